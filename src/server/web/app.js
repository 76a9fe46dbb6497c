// anime-me web page. Plain JS, no build step: pick or take a photo, pick a style, follow the job
// live (SSE, with polling as a fallback), compare before/after, download or share, re-roll the seed.
'use strict';

const TEXT = {
  en: {
    skip: 'Skip to content',
    title: 'Anime me',
    lead: 'Turn a photo into an anime picture of yourself.',
    pickTitle: 'Your photo',
    takePhoto: 'Take a photo',
    choosePhoto: 'Choose a photo',
    previewAlt: 'The photo you chose',
    photoHint: 'Faces, groups, pets and places all work. JPEG, PNG or WebP.',
    styleTitle: 'Style',
    'style_auto': 'Auto',
    'style_bright-cel': 'Bright cel',
    'style_soft-watercolor': 'Water\u00ADcolour', // soft hyphen: the label is narrow on phones
    'style_manga-ink': 'Manga ink',
    'style_dreamy-sky': 'Dreamy sky',
    autoHint: 'Auto picks a look from what is in the photo.',
    go: 'Make it anime',
    working: 'Working on it…',
    uploading: 'Sending your photo…',
    queued: (n) => (n <= 1 ? 'You are next in line.' : `You are number ${n} in line.`),
    starting: 'Starting…',
    eta: (s) => (s < 60 ? `About ${s} s left` : `About ${Math.round(s / 60)} min left`),
    cancel: 'Cancel',
    resultTitle: 'Your anime self',
    beforeAlt: 'Your photo',
    afterAlt: 'Your photo as anime',
    before: 'Before',
    after: 'After',
    sliderLabel: 'Before / after',
    download: 'Download',
    share: 'Share',
    shareText: 'Me, in anime — made with anime-me',
    again: 'Again, new seed',
    newPhoto: 'New photo',
    whatWeSaw: 'What the system saw',
    people: 'People',
    scene: 'Scene',
    styleUsed: 'Style',
    seed: 'Seed',
    description: 'Description',
    prompt: 'Prompt',
    time: 'Time',
    fixTitle: 'Did we see it right?',
    fixHint: 'Correct what the system saw, then make it again (same seed, so only your corrections change).',
    fixPeople: 'People in the photo',
    fixPeopleSeen: (n) => `The system found ${n}.`,
    fixGenders: 'Each person, largest first',
    fixPerson: (i) => `Person ${i}`,
    fixSeen: (what) => `seen: ${what}`,
    fixSeenNone: 'not found by the system',
    fixGenderOptions: { '?': 'Not specified (neutral wording)', f: 'Woman / girl', m: 'Man / boy' },
    genderWords: { female: 'woman', male: 'man', unsure: 'not sure' },
    fixPrompt: 'Prompt (what gets drawn)',
    fixPromptHint: 'Leave it unchanged and it is written again from your corrections.',
    fixGo: 'Make it again with my corrections',
    fixPeopleCorrected: (n) => `You set ${n}.`,
    fixCorrected: 'set by you',
    expires: (t) => `This result is deleted from the server at ${t}.`,
    recentTitle: 'Recent on this phone',
    clearRecent: 'Forget these',
    expired: 'Expired',
    recentAlt: (t) => `Result from ${t}`,
    privacy: (m) => `Photos and results are deleted from the server ${m} after they are made. Nothing is used for training.`,
    api: 'API (OpenAPI)',
    stages: {
      decode: 'Reading your photo',
      analyse: 'Finding people and faces',
      describe: 'Choosing the look',
      stylize: 'Painting in anime style',
      upscale: 'Sharpening the details',
      compose: 'Making the share picture',
      encode: 'Saving',
    },
    errors: {
      QUEUE_FULL: (s) => `It is busy right now. Please try again in ${s} s.`,
      CLIENT_LIMIT: () => 'You already have a picture in progress. Wait for it to finish.',
      RATE_LIMITED: (s) => `Too many tries. Please wait ${s} s.`,
      UNSUPPORTED_TYPE: () => 'That file type is not supported. Please use a JPEG, PNG or WebP photo.',
      UNSUPPORTED_MEDIA_TYPE: () => 'That file type is not supported. Please use a JPEG, PNG or WebP photo.',
      TOO_LARGE: () => 'That photo is too big. Please choose a smaller one.',
      TOO_MANY_PIXELS: () => 'That photo has too many pixels. Please choose a smaller one.',
      CORRUPT_IMAGE: () => 'That photo could not be read. It may be damaged; try another one.',
      EMPTY_INPUT: () => 'That file is empty. Please choose a photo.',
      TIMEOUT: () => 'That took too long and was stopped. Please try again.',
      CANCELLED: () => 'Cancelled.',
      NOT_FOUND: () => 'That result has expired or was deleted.',
      INVALID_ARGUMENT: () => 'Please check your corrections (people 0–10, prompt up to 1000 characters) and try again.',
      NETWORK: () => 'No connection to the server. Check your network and try again.',
      OTHER: () => 'Something went wrong on our side. Please try again.',
    },
  },
  zh: {
    skip: '跳到正文',
    title: '二次元的我',
    lead: '把一张照片变成动漫风格的你。',
    pickTitle: '你的照片',
    takePhoto: '拍照',
    choosePhoto: '选择照片',
    previewAlt: '你选择的照片',
    photoHint: '人像、合照、宠物和风景都可以。支持 JPEG、PNG、WebP。',
    styleTitle: '风格',
    'style_auto': '自动',
    'style_bright-cel': '明亮赛璐璐',
    'style_soft-watercolor': '柔和水彩',
    'style_manga-ink': '漫画墨线',
    'style_dreamy-sky': '梦幻天空',
    autoHint: '“自动”会根据照片内容选择风格。',
    go: '变成动漫',
    working: '正在生成…',
    uploading: '正在上传照片…',
    queued: (n) => (n <= 1 ? '下一个就轮到你。' : `你前面还有 ${n - 1} 位，排在第 ${n} 位。`),
    starting: '正在开始…',
    eta: (s) => (s < 60 ? `大约还需 ${s} 秒` : `大约还需 ${Math.round(s / 60)} 分钟`),
    cancel: '取消',
    resultTitle: '动漫版的你',
    beforeAlt: '你的照片',
    afterAlt: '你的照片的动漫版',
    before: '原图',
    after: '动漫',
    sliderLabel: '原图 / 动漫对比',
    download: '下载',
    share: '分享',
    shareText: '动漫版的我 —— 由 anime-me 生成',
    again: '再来一张',
    newPhoto: '换一张照片',
    whatWeSaw: '系统识别到的内容',
    people: '人数',
    scene: '场景',
    styleUsed: '风格',
    seed: '种子',
    description: '描述',
    prompt: '提示词',
    time: '用时',
    fixTitle: '识别得对吗？',
    fixHint: '修正系统识别到的内容，然后重新生成（种子不变，只有你的修改会带来变化）。',
    fixPeople: '照片中的人数',
    fixPeopleSeen: (n) => `系统识别到 ${n} 人。`,
    fixGenders: '每个人（按画面大小排序）',
    fixPerson: (i) => `第 ${i} 位`,
    fixSeen: (what) => `识别为：${what}`,
    fixSeenNone: '系统未识别到',
    fixGenderOptions: { '?': '不指定（中性描述）', f: '女性 / 女孩', m: '男性 / 男孩' },
    genderWords: { female: '女性', male: '男性', unsure: '不确定' },
    fixPrompt: '提示词（画什么）',
    fixPromptHint: '不修改的话，会根据你的修正重新生成提示词。',
    fixGo: '按我的修改重新生成',
    fixPeopleCorrected: (n) => `你设定为 ${n} 人。`,
    fixCorrected: '由你设定',
    expires: (t) => `该结果将于 ${t} 从服务器删除。`,
    recentTitle: '这台设备上的最近结果',
    clearRecent: '清除记录',
    expired: '已过期',
    recentAlt: (t) => `${t} 的结果`,
    privacy: (m) => `照片和结果会在生成 ${m}后从服务器删除，不会用于训练。`,
    api: 'API 文档（OpenAPI）',
    scenes: {
      'single-male': '单人（男）',
      'single-female': '单人（女）',
      'single-person': '单人',
      child: '儿童',
      elderly: '长者',
      couple: '两人',
      group: '多人合照',
      pet: '宠物',
      'person-with-pet': '人和宠物',
      landscape: '风景',
      object: '物品',
    },
    stages: {
      decode: '读取照片',
      analyse: '识别人物和脸部',
      describe: '选择画风',
      stylize: '绘制动漫风格',
      upscale: '提升清晰度',
      compose: '制作分享图',
      encode: '保存',
    },
    errors: {
      QUEUE_FULL: (s) => `现在人太多了，请 ${s} 秒后再试。`,
      CLIENT_LIMIT: () => '你已有一张图片在生成中，请等它完成。',
      RATE_LIMITED: (s) => `尝试次数太多，请等待 ${s} 秒。`,
      UNSUPPORTED_TYPE: () => '不支持这种文件，请使用 JPEG、PNG 或 WebP 照片。',
      UNSUPPORTED_MEDIA_TYPE: () => '不支持这种文件，请使用 JPEG、PNG 或 WebP 照片。',
      TOO_LARGE: () => '照片太大了，请换一张小一点的。',
      TOO_MANY_PIXELS: () => '照片像素太多了，请换一张小一点的。',
      CORRUPT_IMAGE: () => '无法读取这张照片，文件可能已损坏，请换一张。',
      EMPTY_INPUT: () => '文件是空的，请选择一张照片。',
      TIMEOUT: () => '处理时间太长，已停止，请重试。',
      CANCELLED: () => '已取消。',
      NOT_FOUND: () => '该结果已过期或已被删除。',
      INVALID_ARGUMENT: () => '请检查你的修改（人数 0–10，提示词不超过 1000 字）后重试。',
      NETWORK: () => '无法连接服务器，请检查网络后重试。',
      OTHER: () => '服务器出了点问题，请重试。',
    },
  },
};
const STAGES = ['decode', 'analyse', 'describe', 'stylize', 'upscale', 'compose', 'encode'];
const RECENT_KEY = 'anime-me:recent';
const LANG_KEY = 'anime-me:lang';
const MAX_RECENT = 12;
/** Phone photos above this are shrunk in the browser first: faster uploads, same result (the server works at ≤1024 px). */
const SHRINK_ABOVE_BYTES = 3 * 1024 * 1024;
const SHRINK_TO_SIDE = 2048;

const $ = (id) => document.getElementById(id);
const state = {
  lang: 'en',
  file: null, // the Blob we upload (maybe shrunk)
  photoUrl: null, // object URL of the chosen photo, for the preview and the "before" side
  job: null, // latest job JSON
  events: null, // EventSource
  poll: null,
  ttlSeconds: 3600,
  lastError: null,
  corrections: null, // {people, genders, prompt?} the user asked for; kept for "again" until a new photo
};

function t(key, ...args) {
  const value = TEXT[state.lang][key] ?? TEXT.en[key];
  return typeof value === 'function' ? value(...args) : value;
}

// ---------------------------------------------------------------------------------------------
// Language

function pickLanguage() {
  const saved = localStorage.getItem(LANG_KEY);
  if (saved === 'en' || saved === 'zh') return saved;
  const preferred = (navigator.languages && navigator.languages[0]) || navigator.language || 'en';
  return /^zh\b/i.test(preferred) ? 'zh' : 'en';
}

function applyLanguage() {
  document.documentElement.lang = state.lang === 'zh' ? 'zh-CN' : 'en';
  document.title = state.lang === 'zh' ? 'anime-me · 二次元的我' : 'anime-me · Anime me';
  for (const el of document.querySelectorAll('[data-i18n]')) {
    const value = t(el.dataset.i18n);
    if (typeof value === 'string') el.textContent = value;
  }
  for (const el of document.querySelectorAll('[data-i18n-alt]')) el.alt = t(el.dataset.i18nAlt);
  const toggle = $('lang');
  toggle.textContent = state.lang === 'zh' ? 'English' : '中文';
  toggle.lang = state.lang === 'zh' ? 'en' : 'zh-CN';
  toggle.setAttribute('aria-label', state.lang === 'zh' ? 'Switch to English' : '切换到中文');
  document.querySelector('.foot p').textContent = t('privacy', ttlText());
  if (state.job) render(state.job);
  renderRecent();
}

function ttlText() {
  const minutes = Math.round(state.ttlSeconds / 60);
  if (state.lang === 'zh') return minutes >= 60 && minutes % 60 === 0 ? `${minutes / 60} 小时` : `${minutes} 分钟`;
  if (minutes >= 60 && minutes % 60 === 0) return minutes === 60 ? 'one hour' : `${minutes / 60} hours`;
  return `${minutes} minutes`;
}

// ---------------------------------------------------------------------------------------------
// Choosing a photo

async function choose(file) {
  if (!file) return;
  hideError();
  if (state.photoUrl) URL.revokeObjectURL(state.photoUrl);
  state.photoUrl = URL.createObjectURL(file);
  state.file = file;
  state.corrections = null; // corrections belong to the previous photo
  $('preview-img').src = state.photoUrl;
  $('preview').hidden = false;
  $('go').disabled = false;
  if (file.size > SHRINK_ABOVE_BYTES) state.file = (await shrink(file)) || file;
}

/** Re-encode a big photo at ≤2048 px in the browser (upright: createImageBitmap applies EXIF orientation). */
async function shrink(file) {
  try {
    const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
    const scale = Math.min(1, SHRINK_TO_SIDE / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(bitmap.width * scale);
    canvas.height = Math.round(bitmap.height * scale);
    canvas.getContext('2d').drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    bitmap.close();
    return await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.92));
  } catch {
    return null; // e.g. HEIC the browser cannot decode: send as is and let the server say what it takes
  }
}

function selectedStyle() {
  return document.querySelector('input[name="style"]:checked')?.value || 'auto';
}

// ---------------------------------------------------------------------------------------------
// Submitting and following a job

async function submit(seed) {
  if (!state.file) return;
  stopFollowing();
  hideError();
  $('result').hidden = true;
  $('fix-card').hidden = true;
  $('progress').hidden = false;
  $('go').disabled = true;
  setStatus(t('uploading'), 0);
  $('eta').textContent = '';
  const form = new FormData();
  form.append('style', selectedStyle());
  form.append('composite', 'true');
  if (seed !== undefined) form.append('seed', String(seed));
  const fix = state.corrections;
  if (fix) {
    form.append('people', String(fix.people));
    if (fix.genders.length > 0) form.append('genders', fix.genders.join(','));
    if (fix.prompt) form.append('prompt', fix.prompt);
  }
  form.append('image', state.file, state.file.name || 'photo.jpg');
  let response;
  try {
    response = await fetch('/api/v1/jobs', { method: 'POST', body: form });
  } catch {
    return fail({ code: 'NETWORK' });
  }
  const body = await response.json().catch(() => ({}));
  if (response.status !== 202) {
    return fail(body.error || { code: 'OTHER' }, Number(response.headers.get('retry-after')) || 0);
  }
  state.job = { id: body.id, state: 'queued', position: body.position, etaSeconds: body.etaSeconds, options: { seed: body.seed } };
  render(state.job);
  follow(body.id);
}

function follow(id) {
  if (!('EventSource' in window)) return pollJob(id);
  const source = new EventSource(`/api/v1/jobs/${encodeURIComponent(id)}/events`);
  state.events = source;
  const on = (name, handler) => source.addEventListener(name, (e) => handler(JSON.parse(e.data)));
  on('state', (job) => render((state.job = job)));
  on('position', (d) => render((state.job = { ...state.job, state: 'queued', position: d.position, etaSeconds: d.etaSeconds })));
  on('running', (d) => render((state.job = { ...state.job, state: 'running', etaSeconds: d.etaSeconds })));
  on('progress', (d) => render((state.job = { ...state.job, state: 'running', progress: { stage: d.stage, progress: d.progress }, etaSeconds: d.etaSeconds })));
  on('done', (job) => {
    stopFollowing();
    render((state.job = job));
  });
  on('failed', (job) => {
    stopFollowing();
    render((state.job = { ...state.job, ...job, state: 'failed' }));
  });
  source.onerror = () => {
    // The stream dropped (phone went to sleep, proxy cut it): fall back to polling.
    if (source.readyState === EventSource.CLOSED || state.events === source) {
      stopFollowing();
      pollJob(id);
    }
  };
}

function pollJob(id) {
  const tick = async () => {
    try {
      const response = await fetch(`/api/v1/jobs/${encodeURIComponent(id)}`);
      const job = await response.json();
      if (response.status === 404) return fail(job.error || { code: 'NOT_FOUND' });
      render((state.job = job));
      if (job.state === 'done' || job.state === 'failed') return;
    } catch {
      // transient: keep polling
    }
    state.poll = setTimeout(tick, 1500);
  };
  tick();
}

function stopFollowing() {
  if (state.events) state.events.close();
  state.events = null;
  clearTimeout(state.poll);
  state.poll = null;
}

async function cancel() {
  const job = state.job;
  stopFollowing();
  if (job && job.id) fetch(`/api/v1/jobs/${encodeURIComponent(job.id)}`, { method: 'DELETE' }).catch(() => {});
  state.job = null;
  $('progress').hidden = true;
  $('go').disabled = !state.file;
}

// ---------------------------------------------------------------------------------------------
// Rendering

function setStatus(text, percent) {
  $('status').textContent = text;
  $('bar').value = Math.max(0, Math.min(100, percent));
}

function overallPercent(job) {
  if (!job.progress) return 2;
  const index = Math.max(0, STAGES.indexOf(job.progress.stage));
  return Math.round(((index + job.progress.progress) / STAGES.length) * 100);
}

function render(job) {
  if (job.state === 'queued') {
    $('progress').hidden = false;
    setStatus(job.position ? t('queued', job.position) : t('starting'), 1);
  } else if (job.state === 'running') {
    $('progress').hidden = false;
    const stage = job.progress ? TEXT[state.lang].stages[job.progress.stage] || job.progress.stage : t('starting');
    setStatus(`${stage}…`, overallPercent(job));
  } else if (job.state === 'done') {
    $('progress').hidden = true;
    $('go').disabled = !state.file;
    showResult(job);
    return;
  } else if (job.state === 'failed') {
    $('progress').hidden = true;
    $('go').disabled = !state.file;
    fail(job.error || { code: 'OTHER' });
    return;
  }
  $('eta').textContent = job.etaSeconds ? t('eta', job.etaSeconds) : '';
}

function fail(error, retryAfter) {
  stopFollowing();
  $('progress').hidden = true;
  $('go').disabled = !state.file;
  state.lastError = { error, retryAfter };
  const messages = TEXT[state.lang].errors;
  const make = messages[error.code] || messages.OTHER;
  $('error').textContent = make(retryAfter || 5);
  $('error').hidden = false;
  $('error').dataset.code = error.code || 'OTHER';
}

function hideError() {
  $('error').hidden = true;
  state.lastError = null;
}

/** Result links are signed (`?exp=…&sig=…`), so the download flag is appended, not started afresh. */
function downloadUrl(url) {
  return `${url}${url.includes('?') ? '&' : '?'}download=1`;
}

function showResult(job) {
  const section = $('result');
  const wasHidden = section.hidden;
  section.hidden = false;
  const after = $('after');
  const before = $('before');
  if (after.dataset.job !== job.id) {
    after.dataset.job = job.id;
    after.src = job.result.url;
    // "Before" is the photo still held by this page.
    before.src = state.photoUrl || job.result.url;
    // Opened from history: the original photo is not kept anywhere, so show the result alone.
    $('compare').classList.toggle('single', !state.photoUrl);
    $('slider').hidden = !state.photoUrl;
    document.querySelector('.slider-label').hidden = !state.photoUrl;
    $('download').href = downloadUrl(job.result.url);
    after.addEventListener('load', () => remember(job, after), { once: true });
  }
  setSlider(Number($('slider').value));
  $('share').hidden = !job.composite && !navigator.share;
  const facts = $('facts');
  facts.replaceChildren();
  const add = (label, value) => {
    if (value === undefined || value === null || value === '') return;
    const dt = document.createElement('dt');
    dt.textContent = label;
    const dd = document.createElement('dd');
    dd.textContent = String(value);
    facts.append(dt, dd);
  };
  if (job.analysis) {
    add(t('people'), job.analysis.peopleCount);
    const scene = job.analysis.sceneType && job.analysis.sceneType.value;
    const scenes = TEXT[state.lang].scenes;
    add(t('scene'), (scenes && scenes[scene]) || (scene && scene.replace(/-/g, ' ')));
  }
  if (job.description) {
    add(t('styleUsed'), `${job.description.preset} / ${job.description.style}`);
    add(t('description'), job.description.text);
  }
  add(t('seed'), job.options && job.options.seed);
  if (job.prompt) add(t('prompt'), job.prompt.positive);
  if (job.runMs) add(t('time'), `${(job.runMs / 1000).toFixed(1)} s`);
  renderFix(job);
  $('expires').textContent = job.expiresAt ? t('expires', new Date(job.expiresAt).toLocaleTimeString(state.lang === 'zh' ? 'zh-CN' : 'en', { hour: '2-digit', minute: '2-digit' })) : '';
  if (wasHidden) section.scrollIntoView({ behavior: matchMedia('(prefers-reduced-motion: reduce)').matches ? 'auto' : 'smooth', block: 'start' });
}

// ---------------------------------------------------------------------------------------------
// Corrections: what the system saw (people, each person's gender, the prompt), editable, then the
// same photo again with the same seed. The server takes them as people / genders / prompt.

const MAX_FIX_PEOPLE = 10;
/** The describer trusts a gender estimate from this confidence on; below it the wording stays neutral. */
const GENDER_TRUST = 0.7;

function seenGender(person) {
  if (!person) return t('fixSeenNone');
  const words = TEXT[state.lang].genderWords;
  if (!person.gender) return words.unsure;
  return `${words[person.gender.value] || person.gender.value} (${Math.round(person.gender.confidence * 100)} %)`;
}

function guessedCode(person) {
  if (!person || !person.gender || person.gender.confidence < GENDER_TRUST) return '?';
  return person.gender.value === 'female' ? 'f' : person.gender.value === 'male' ? 'm' : '?';
}

function readFix() {
  const selects = [...$('fix-genders').querySelectorAll('select')];
  return { people: $('fix-people').value, genders: selects.map((s) => s.value), prompt: $('fix-prompt').value };
}

function renderGenderRows(job, count, values) {
  const box = $('fix-genders');
  box.replaceChildren();
  $('fix-genders-box').hidden = count === 0;
  const people = (job.analysis && job.analysis.people) || [];
  const corrected = (job.options && job.options.genders) || [];
  const options = TEXT[state.lang].fixGenderOptions;
  for (let i = 0; i < count; i++) {
    const row = document.createElement('div');
    row.className = 'person';
    const label = document.createElement('label');
    label.htmlFor = `fix-g-${i}`;
    label.textContent = `${t('fixPerson', i + 1)} — ${corrected[i] !== undefined ? t('fixCorrected') : t('fixSeen', seenGender(people[i]))}`;
    const select = document.createElement('select');
    select.id = `fix-g-${i}`;
    select.name = 'gender';
    for (const code of ['?', 'f', 'm']) {
      const option = document.createElement('option');
      option.value = code;
      option.textContent = options[code];
      select.append(option);
    }
    select.value = values[i] !== undefined ? values[i] : corrected[i] !== undefined ? corrected[i] : guessedCode(people[i]);
    row.append(label, select);
    box.append(row);
  }
}

function fixCount(raw) {
  const n = Number(raw);
  return Number.isInteger(n) ? Math.max(0, Math.min(MAX_FIX_PEOPLE, n)) : 0;
}

function renderFix(job) {
  const card = $('fix-card');
  // Only with the photo still on this page (history entries have no photo to send again).
  if (!job.analysis || !state.file) {
    card.hidden = true;
    return;
  }
  card.hidden = false;
  const form = $('fix');
  // Same job (e.g. the language changed): keep what the user has typed so far.
  const current = form.dataset.job === job.id ? readFix() : null;
  form.dataset.job = job.id;
  form.dataset.prompt = job.prompt ? job.prompt.positive : '';
  const found = job.analysis.peopleCount;
  const wasCorrected = job.options && job.options.people !== undefined;
  $('fix-people-seen').textContent = wasCorrected ? t('fixPeopleCorrected', found) : t('fixPeopleSeen', found);
  $('fix-people').value = current ? current.people : String(Math.min(found, MAX_FIX_PEOPLE));
  renderGenderRows(job, fixCount($('fix-people').value), current ? current.genders : []);
  $('fix-prompt').value = current ? current.prompt : form.dataset.prompt;
}

function submitFix(event) {
  event.preventDefault();
  const job = state.job;
  if (!job || !state.file) return;
  const values = readFix();
  const people = Number(values.people);
  const input = $('fix-people');
  if (!Number.isInteger(people) || people < 0 || people > MAX_FIX_PEOPLE || values.prompt.length > 1000) {
    fail({ code: 'INVALID_ARGUMENT' });
    input.setAttribute('aria-invalid', 'true');
    input.focus();
    return;
  }
  input.removeAttribute('aria-invalid');
  const original = $('fix').dataset.prompt || '';
  const edited = values.prompt.trim() !== original.trim() && values.prompt.trim() !== '';
  const keptPrompt = state.corrections && state.corrections.prompt === original ? state.corrections.prompt : undefined;
  state.corrections = {
    people,
    genders: values.genders.slice(0, people),
    ...(edited ? { prompt: values.prompt.trim() } : keptPrompt ? { prompt: keptPrompt } : {}),
  };
  submit(job.options && job.options.seed);
}

function setSlider(value) {
  $('after-wrap').style.clipPath = `inset(0 0 0 ${value}%)`;
  $('divider').style.left = `${value}%`;
  $('slider').setAttribute('aria-valuetext', `${t('before')} ${value}% / ${t('after')} ${100 - value}%`);
}

/** Drag on the picture itself, as well as with the range input (which keyboards and screen readers use). */
function dragCompare(event) {
  const box = $('compare').getBoundingClientRect();
  const x = (event.touches ? event.touches[0].clientX : event.clientX) - box.left;
  const value = Math.round(Math.max(0, Math.min(1, x / box.width)) * 100);
  $('slider').value = String(value);
  setSlider(value);
}

async function share() {
  const job = state.job;
  if (!job || job.state !== 'done') return;
  const url = job.composite ? job.composite.url : job.result.url;
  try {
    const blob = await (await fetch(url)).blob();
    const file = new File([blob], job.composite ? 'anime-me-share.jpg' : 'anime-me.png', { type: blob.type });
    if (navigator.canShare && navigator.canShare({ files: [file] })) {
      await navigator.share({ files: [file], title: 'anime-me', text: t('shareText') });
      return;
    }
  } catch (error) {
    if (error && error.name === 'AbortError') return; // the user closed the share sheet
  }
  // No Web Share with files (most desktops): download the share picture instead.
  const link = document.createElement('a');
  link.href = downloadUrl(url);
  link.download = '';
  document.body.append(link);
  link.click();
  link.remove();
}

// ---------------------------------------------------------------------------------------------
// Recent results (this browser only: ids are the only key to a result)

function loadRecent() {
  try {
    const list = JSON.parse(localStorage.getItem(RECENT_KEY) || '[]');
    return Array.isArray(list) ? list : [];
  } catch {
    return [];
  }
}

function saveRecent(list) {
  try {
    localStorage.setItem(RECENT_KEY, JSON.stringify(list.slice(0, MAX_RECENT)));
  } catch {
    // storage full or disabled: history is a nicety
  }
}

function remember(job, img) {
  const list = loadRecent().filter((r) => r.id !== job.id);
  let thumb = '';
  try {
    const canvas = document.createElement('canvas');
    const side = 160;
    const scale = side / Math.min(img.naturalWidth, img.naturalHeight);
    canvas.width = side;
    canvas.height = side;
    const w = img.naturalWidth * scale;
    const h = img.naturalHeight * scale;
    canvas.getContext('2d').drawImage(img, (side - w) / 2, (side - h) / 2, w, h);
    thumb = canvas.toDataURL('image/jpeg', 0.7);
  } catch {
    thumb = '';
  }
  list.unshift({ id: job.id, at: Date.now(), expiresAt: job.expiresAt ? Date.parse(job.expiresAt) : Date.now() + state.ttlSeconds * 1000, thumb });
  saveRecent(list);
  renderRecent();
}

function renderRecent() {
  const list = loadRecent();
  const ul = $('recent-list');
  ul.replaceChildren();
  $('recent').hidden = list.length === 0;
  const locale = state.lang === 'zh' ? 'zh-CN' : 'en';
  for (const entry of list) {
    const li = document.createElement('li');
    const button = document.createElement('button');
    button.type = 'button';
    const when = new Date(entry.at).toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' });
    const expired = entry.expiresAt <= Date.now();
    if (entry.thumb && !expired) {
      const img = document.createElement('img');
      img.src = entry.thumb;
      img.alt = t('recentAlt', when);
      button.append(img);
    } else {
      const span = document.createElement('span');
      span.className = 'gone';
      span.textContent = expired ? `${t('expired')} · ${when}` : when;
      button.append(span);
    }
    button.disabled = expired;
    button.addEventListener('click', () => openRecent(entry.id));
    li.append(button);
    ul.append(li);
  }
}

async function openRecent(id) {
  hideError();
  try {
    const response = await fetch(`/api/v1/jobs/${encodeURIComponent(id)}`);
    const job = await response.json();
    if (response.status === 404) {
      saveRecent(loadRecent().map((r) => (r.id === id ? { ...r, expiresAt: 0 } : r)));
      renderRecent();
      return fail(job.error || { code: 'NOT_FOUND' });
    }
    state.photoUrl = null; // the original is not kept anywhere; compare against the share image
    state.job = job;
    if (job.state === 'done') showResult(job);
    else {
      render(job);
      follow(id);
    }
  } catch {
    fail({ code: 'NETWORK' });
  }
}

// ---------------------------------------------------------------------------------------------
// Start

async function start() {
  state.lang = pickLanguage();
  try {
    const config = await (await fetch('/api/v1/config')).json();
    if (config.resultTtlSeconds) state.ttlSeconds = config.resultTtlSeconds;
  } catch {
    // defaults are fine
  }
  applyLanguage();
  $('lang').addEventListener('click', () => {
    state.lang = state.lang === 'zh' ? 'en' : 'zh';
    localStorage.setItem(LANG_KEY, state.lang);
    applyLanguage();
    if (state.lastError) fail(state.lastError.error, state.lastError.retryAfter);
  });
  for (const id of ['camera', 'library']) {
    $(id).addEventListener('change', (e) => {
      choose(e.target.files && e.target.files[0]);
      e.target.value = ''; // choosing the same file again still fires
    });
  }
  $('go').addEventListener('click', () => submit());
  $('again').addEventListener('click', () => {
    if (state.file) submit();
    else $('library').click();
  });
  $('cancel').addEventListener('click', cancel);
  $('restart').addEventListener('click', () => {
    stopFollowing();
    $('result').hidden = true;
    $('fix-card').hidden = true;
    $('pick').scrollIntoView({ block: 'start' });
    $('camera').focus();
  });
  $('share').addEventListener('click', share);
  $('fix').addEventListener('submit', submitFix);
  $('fix-people').addEventListener('input', () => {
    if (!state.job) return;
    const values = readFix();
    renderGenderRows(state.job, fixCount(values.people), values.genders);
  });
  $('slider').addEventListener('input', (e) => setSlider(Number(e.target.value)));
  const compare = $('compare');
  let dragging = false;
  compare.addEventListener('pointerdown', (e) => {
    dragging = true;
    compare.setPointerCapture(e.pointerId);
    dragCompare(e);
  });
  compare.addEventListener('pointermove', (e) => dragging && dragCompare(e));
  compare.addEventListener('pointerup', () => (dragging = false));
  compare.addEventListener('pointercancel', () => (dragging = false));
  $('clear-recent').addEventListener('click', () => {
    localStorage.removeItem(RECENT_KEY);
    renderRecent();
  });
  renderRecent();
}

start();
