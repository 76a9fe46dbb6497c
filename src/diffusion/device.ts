/**
 * Which device the ONNX engines run on. onnxruntime-node from npm bundles the CPU provider; on Linux
 * x64 its CUDA provider libraries are fetched by the package's postinstall script from NuGet, which
 * this project's .npmrc skips (machines that reach only the npm registry fail otherwise). So
 * `cuda` must say how to enable it when the library is absent, and `auto` falls back to the CPU
 * with a note saying so.
 */
import { isCudaProviderInstalled, listExecutionProviders, ONNX_DEVICES, type OnnxDevice } from '../backends/onnx.js';
import { AnimeMeError } from '../errors.js';
import { expectOneOf } from '../validate.js';

/** How to get onnxruntime-node's CUDA provider, for error messages and notes. */
export const CUDA_ENABLE_HINT =
  'to enable it, on a Linux x64 machine with an NVIDIA driver and the CUDA 12 + cuDNN 9 runtime libraries, fetch the provider ' +
  'libraries that onnxruntime-node keeps outside npm: `ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node` ' +
  '(downloads from api.nuget.org; the environment variable overrides the project .npmrc\'s onnxruntime-node-install=skip)';

export interface DeviceChoice {
  /** What was asked for. */
  requested: OnnxDevice;
  /** What the sessions will be created with: 'cuda' or 'cpu'. */
  device: 'cpu' | 'cuda';
  /** Set when 'auto' fell back to the CPU. */
  note?: string;
}

/** Whether this onnxruntime-node can run the CUDA provider (listed by the build and its library installed). */
export function cudaAvailable(): boolean {
  return listExecutionProviders().some((p) => p.name === 'cuda') && isCudaProviderInstalled();
}

/**
 * Resolve a device name before any session is made. Errors: INVALID_ARGUMENT for an unknown name,
 * and for 'cuda' where the CUDA provider is not installed (the message says how to install it).
 */
export function resolveDevice(requested: unknown, name = 'device'): DeviceChoice {
  const device = expectOneOf(requested, name, ONNX_DEVICES);
  if (device === 'cpu') return { requested: device, device: 'cpu' };
  if (cudaAvailable()) return { requested: device, device: 'cuda' };
  const listed = listExecutionProviders()
    .map((p) => `${p.name}${p.bundled || (p.name === 'cuda' && isCudaProviderInstalled()) ? '' : ' (not installed)'}`)
    .join(', ');
  if (device === 'cuda') {
    throw new AnimeMeError('INVALID_ARGUMENT', `${name} "cuda" is not available: this onnxruntime-node has no CUDA provider library (providers: ${listed}); ${CUDA_ENABLE_HINT}. Or use "cpu", or "auto" to fall back to the CPU`, {
      details: { parameter: name },
    });
  }
  return { requested: device, device: 'cpu', note: `${name} auto: no CUDA provider installed in onnxruntime-node, running on the CPU (${CUDA_ENABLE_HINT})` };
}
