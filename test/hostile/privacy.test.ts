/**
 * G6 privacy: every library output is re-encoded with no EXIF (GPS included), ICC, XMP, IPTC or
 * comments, whatever the input carried. Inputs are checked to really carry that metadata first, so
 * the test cannot pass by accident; outputs are checked in all three formats and the composite, by
 * sharp's metadata and by searching the bytes for the input's marker strings.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sharp } from '../../src/image/sharp-setup.js';
import { encodeImage } from '../../src/image/encode.js';
import { decodeImage } from '../../src/image/decode.js';
import { createSharpCodec } from '../../src/node/sharp-codec.js';
import { createPipeline } from '../../src/pipeline/pipeline.js';
import { createEmbeddedStylizer } from '../../src/stylize/index.js';
import { judgeOutput } from './check.js';
import { photo } from './corpus.js';
import { ascii, concat, insertJpegSegments, insertPngChunksAfterIhdr, jpegSegment, pngChunk } from './formats.js';

const MARKERS = ['SECRET-DESCRIPTION', 'SECRET-ARTIST', 'SecretCam', 'SECRET-XMP', 'SECRET-COMMENT', 'SECRET-IPTC', 'SECRET-PNG-TEXT'];
// Structural signatures of each metadata kind, in case a marker were re-encoded differently.
const SIGNATURES = ['Exif\0\0', 'ICC_PROFILE', 'http://ns.adobe.com/xap/1.0/', 'Photoshop 3.0', 'iCCP', 'eXIf', 'zTXt', 'iTXt', 'ICCP', 'EXIF', 'XMP '];

const XMP = '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>SECRET-XMP</dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>';
const EXIF = {
  IFD0: { ImageDescription: 'SECRET-DESCRIPTION', Make: 'SecretCam', Artist: 'SECRET-ARTIST' },
  IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 29/1', GPSLongitudeRef: 'E', GPSLongitude: '2/1 17/1 40/1' },
};

async function inputs(): Promise<[string, Uint8Array][]> {
  const base = sharp(photo('deb_skimage_astronaut.png')).resize(160, 120);
  const tagged = (s: ReturnType<typeof sharp>) => s.withMetadata({ orientation: 6 }).withExif(EXIF).withXmp(XMP).withIccProfile('p3');
  const jpeg = new Uint8Array(await tagged(base.clone().jpeg()).toBuffer());
  const iptc = concat(ascii('Photoshop 3.0\0'), ascii('8BIM'), Uint8Array.of(0x04, 0x04, 0, 0), Uint8Array.of(0, 0, 0, 18), Uint8Array.of(0x1c, 0x02, 0x78, 0, 11), ascii('SECRET-IPTC'), Uint8Array.of(0, 0));
  const png = new Uint8Array(await tagged(base.clone().png()).toBuffer());
  return [
    ['jpeg exif+gps+xmp+icc+iptc+comment', insertJpegSegments(jpeg, jpegSegment(0xed, iptc), jpegSegment(0xfe, ascii('SECRET-COMMENT')))],
    ['png exif+xmp+icc+text', insertPngChunksAfterIhdr(png, pngChunk('tEXt', ascii('Comment\0SECRET-PNG-TEXT')))],
    ['webp exif+xmp+icc', new Uint8Array(await tagged(base.clone().webp()).toBuffer())],
  ];
}

test('the test inputs really carry EXIF with GPS, ICC, XMP (and IPTC / comments / text)', async () => {
  for (const [label, bytes] of await inputs()) {
    const meta = await sharp(bytes).metadata();
    assert.ok(meta.exif && meta.icc && meta.xmp, `${label}: exif ${!!meta.exif} icc ${!!meta.icc} xmp ${!!meta.xmp}`);
    // 0x8825 is the GPS IFD pointer tag, in either byte order.
    const exif = new Uint8Array(meta.exif);
    const hasGps = exif.some((v, i) => (v === 0x25 && exif[i + 1] === 0x88) || (v === 0x88 && exif[i + 1] === 0x25));
    assert.ok(hasGps, `${label}: GPS present`);
    assert.equal(meta.orientation, 6, `${label}: orientation`);
    // sharp does not list JPEG COM segments; the byte search on outputs covers the comment marker.
    if (label.startsWith('jpeg')) assert.ok(meta.iptc, `${label}: iptc`);
    if (label.startsWith('png')) assert.ok(meta.comments?.some((c) => c.text === 'SECRET-PNG-TEXT'), `${label}: text chunk`);
  }
});

test('pipeline outputs in png, jpeg and webp, and the composite, carry no metadata at all', async () => {
  const pipeline = createPipeline({ codec: createSharpCodec(), stylizer: createEmbeddedStylizer() });
  try {
    const problems: string[] = [];
    for (const [label, bytes] of await inputs()) {
      for (const format of ['png', 'jpeg', 'webp'] as const) {
        const result = await pipeline.run(bytes, { size: 256, format, composite: true, analyse: false });
        const where = `${label} → ${format}`;
        problems.push(...(await judgeOutput(result.output, { format, width: result.image.width, height: result.image.height }, [...MARKERS, ...SIGNATURES], where)));
        assert.ok(result.composite, where);
        const composite = await sharp(result.composite).metadata();
        problems.push(...(await judgeOutput(result.composite, { format: 'jpeg', width: composite.width!, height: composite.height! }, [...MARKERS, ...SIGNATURES], `${where} composite`)));
        // Orientation 6 was applied, not copied: the 160×120 photo comes out portrait.
        assert.ok(result.image.height > result.image.width, `${where}: upright ${result.image.width}x${result.image.height}`);
      }
    }
    assert.deepEqual(problems, []);
  } finally {
    await pipeline.dispose();
  }
});

test('decodeImage + encodeImage alone also drop everything (the stage API used without the pipeline)', async () => {
  for (const [label, bytes] of await inputs()) {
    const { image } = await decodeImage(bytes);
    for (const format of ['png', 'jpeg', 'webp'] as const) {
      const out = await encodeImage(image, { format });
      assert.deepEqual(await judgeOutput(out, { format, width: image.width, height: image.height }, [...MARKERS, ...SIGNATURES], `${label} → ${format}`), []);
    }
  }
});
