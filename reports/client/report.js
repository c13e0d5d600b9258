// gregor report page script. Inline in the report, allowed by its CSP hash. It reads the data
// embedded by reports/report-data.ts (see the encoding rules there) and builds the page with
// textContent and canvas only: it never parses data as markup, never evaluates strings and
// never touches the network. Timelines and logs are drawn virtually: only the rows and the
// time window on screen are visited, so 100,000 operations scroll smoothly.
'use strict';
(function () {
  var DATA = JSON.parse(document.getElementById('gregor-data').textContent);
  var STR = DATA.strings;
  var CHECK = DATA.mode === 'check';
  var dpr = window.devicePixelRatio || 1;

  // ---------------------------------------------------------------- small helpers
  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function str(id) { return id >= 0 ? STR[id] : null; }
  function quote(s, max) {
    var q = JSON.stringify(s);
    max = max || 60;
    return q.length > max ? q.slice(0, max - 2) + '…"' : q;
  }
  function fmtTime(us) {
    var a = Math.abs(us);
    if (a < 1000) return us + ' µs';
    if (a < 1e6) return (us / 1000).toFixed(3) + ' ms';
    return (us / 1e6).toFixed(6) + ' s';
  }
  function fmtDur(us) {
    var a = Math.abs(us);
    if (a < 1000) return us + ' µs';
    if (a < 1e6) return (us / 1000).toFixed(a < 1e4 ? 3 : 1) + ' ms';
    return (us / 1e6).toFixed(3) + ' s';
  }
  function undelta(col) {
    var out = new Float64Array(col.length), acc = 0;
    for (var i = 0; i < col.length; i++) { acc += col[i]; out[i] = acc; }
    return out;
  }
  /** First index i in sorted arr (or arr[idx[i]]) with value >= x. */
  function lowerBound(arr, x, lo, hi) {
    lo = lo || 0; hi = hi === undefined ? arr.length : hi;
    while (lo < hi) { var m = (lo + hi) >>> 1; if (arr[m] < x) lo = m + 1; else hi = m; }
    return lo;
  }
  /** Index into rows (sorted by times[row]) of the last row with time <= t, or -1. */
  function lastAtOrBefore(rows, times, t) {
    var lo = 0, hi = rows.length;
    while (lo < hi) { var m = (lo + hi) >>> 1; if (times[rows[m]] <= t) lo = m + 1; else hi = m; }
    return lo - 1;
  }
  function nested(obj, a, b) {
    if (!obj[a]) obj[a] = {};
    if (!obj[a][b]) obj[a][b] = [];
    return obj[a][b];
  }

  // ---------------------------------------------------------------- decode the data
  var END = DATA.endUs, START = DATA.startUs;
  var nOps = DATA.ops.lane.length;
  var opT0 = undelta(DATA.ops.t0), opT1 = new Float64Array(nOps);
  for (var i = 0; i < nOps; i++) opT1[i] = DATA.ops.dur[i] >= 0 ? opT0[i] + DATA.ops.dur[i] : END;
  var opSt = DATA.ops.st, opLane = DATA.ops.lane;
  var laneOps = DATA.lanes.map(function () { return []; });
  for (i = 0; i < nOps; i++) laneOps[opLane[i]].push(i);
  var laneMaxEnd = laneOps.map(function (list) {
    var m = new Float64Array(list.length), acc = -Infinity;
    for (var k = 0; k < list.length; k++) { acc = Math.max(acc, opT1[list[k]]); m[k] = acc; }
    return m;
  });
  var marked = {};
  DATA.marked.forEach(function (o) { marked[o] = true; });
  var cexOrder = {}, cexFailed = -1;
  if (DATA.cex) {
    DATA.cex.prefix.forEach(function (o, k) { cexOrder[o] = k + 1; });
    cexFailed = DATA.cex.failed;
  }

  var repT = undelta(DATA.rep.t), repHw = new Float64Array(repT.length), repLeo = new Float64Array(repT.length);
  var repBy = {}, lastHL = {};
  for (i = 0; i < repT.length; i++) {
    var key = DATA.rep.b[i] + '/' + DATA.rep.tp[i], prev = lastHL[key] || [0, 0];
    repHw[i] = prev[0] + DATA.rep.hw[i];
    repLeo[i] = prev[1] + DATA.rep.leo[i];
    lastHL[key] = [repHw[i], repLeo[i]];
    nested(repBy, DATA.rep.tp[i], DATA.rep.b[i]).push(i);
  }
  var partT = undelta(DATA.part.t), partBy = {};
  for (i = 0; i < partT.length; i++) (partBy[DATA.part.tp[i]] = partBy[DATA.part.tp[i]] || []).push(i);
  var nodeT = undelta(DATA.nodeEv.t), nodeBy = {};
  for (i = 0; i < nodeT.length; i++) (nodeBy[DATA.nodeEv.node[i]] = nodeBy[DATA.nodeEv.node[i]] || []).push(i);
  var truncT = undelta(DATA.trunc.t), truncBy = {};
  for (i = 0; i < truncT.length; i++) nested(truncBy, DATA.trunc.tp[i], DATA.trunc.b[i]).push(i);
  var faultEvT = undelta(DATA.faultEv.t);

  // Record copies: batch k wrote versions [start_k, start_k + n_k).
  var batchT = undelta(DATA.batches.t), nVer = DATA.verVal.length;
  var verBatch = new Int32Array(nVer), verOff = new Float64Array(nVer), verTt = new Float64Array(nVer), verWhy = new Int32Array(nVer);
  var v = 0;
  for (var b = 0; b < batchT.length; b++) {
    for (var k = 0; k < DATA.batches.n[b]; k++, v++) {
      verBatch[v] = b; verOff[v] = DATA.batches.first[b] + k; verTt[v] = Infinity; verWhy[v] = -1;
    }
  }
  for (i = 0; i < DATA.cut.v.length; i++) { verTt[DATA.cut.v[i]] = DATA.cut.t[i]; verWhy[DATA.cut.v[i]] = DATA.cut.why[i]; }
  function verTa(x) { return batchT[verBatch[x]]; }
  function verEp(x) { return DATA.batches.ep[verBatch[x]]; }
  // Per replica: version indices sorted by (offset, append time), with their offsets.
  var verBy = {};
  for (v = 0; v < nVer; v++) nested(verBy, DATA.batches.tp[verBatch[v]], DATA.batches.b[verBatch[v]]).push(v);
  Object.keys(verBy).forEach(function (tp) {
    Object.keys(verBy[tp]).forEach(function (br) {
      var list = verBy[tp][br];
      list.sort(function (x, y) { return verOff[x] - verOff[y] || verTa(x) - verTa(y) || x - y; });
      var offs = new Float64Array(list.length);
      for (var j = 0; j < list.length; j++) offs[j] = verOff[list[j]];
      verBy[tp][br] = { list: list, offs: offs };
    });
  });
  var FOCUS = DATA.focus;
  var focusValId = FOCUS ? STR.indexOf(FOCUS.value) : -1;
  function isFocusVersion(x) {
    return FOCUS !== null && DATA.batches.tp[verBatch[x]] === FOCUS.tp && DATA.verVal[x] === focusValId;
  }

  // Times at which the cluster changes (the scrubber's prev/next stops).
  var stops = (function () {
    var all = [].concat(Array.from(repT), Array.from(partT), Array.from(nodeT), Array.from(truncT), Array.from(faultEvT), Array.from(batchT));
    if (CHECK) for (var j = 0; j < nOps; j++) { all.push(opT0[j]); all.push(opT1[j]); }
    all.push(START, END);
    var arr = Float64Array.from(all).sort();
    var out = [];
    for (var j2 = 0; j2 < arr.length; j2++) if (!out.length || arr[j2] !== out[out.length - 1]) out.push(arr[j2]);
    return Float64Array.from(out);
  })();

  // ---------------------------------------------------------------- state lookups
  var ROLE = ['none', 'leader', 'follower'];
  function replicaAt(tp, br, t) {
    var rows = (repBy[tp] || {})[br];
    if (!rows) return null;
    var k = lastAtOrBefore(rows, repT, t);
    if (k < 0) return null;
    var r = rows[k];
    return { row: r, role: DATA.rep.role[r], ep: DATA.rep.ep[r], hw: repHw[r], leo: repLeo[r] };
  }
  function partitionAt(tp, t) {
    var rows = partBy[tp];
    if (!rows) return -1;
    var k = lastAtOrBefore(rows, partT, t);
    return k < 0 ? -1 : rows[k];
  }
  function nodeStateAt(node, t) {
    var rows = nodeBy[node];
    if (!rows) return { up: true, cause: null };
    var k = lastAtOrBefore(rows, nodeT, t);
    if (k < 0) return { up: false, cause: 'not started' };
    return { up: DATA.nodeEv.up[rows[k]] === 1, cause: str(DATA.nodeEv.cause[rows[k]]) };
  }
  function liveAt(x, t) { return verTa(x) <= t && verTt[x] > t; }
  function listOf(id) { var s = str(id); return s === null ? '' : s; }
  function brokerName(id) {
    for (var j = 0; j < DATA.brokers.length; j++) if (DATA.brokers[j].id === id) return DATA.brokers[j].name;
    return 'broker ' + id;
  }

  // ---------------------------------------------------------------- UI state
  var curTp = FOCUS ? FOCUS.tp : 0;
  var scrubT = FOCUS && FOCUS.ackedAtUs >= 0 ? FOCUS.ackedAtUs : FOCUS && FOCUS.appendedAtUs >= 0 ? FOCUS.appendedAtUs : END;
  // The dump-log first shows a broker that holds the lost record at the opening moment (the
  // leader that acknowledged it), else the broker that lost the last copy, else the first.
  var dumpBroker = DATA.brokers.length ? DATA.brokers[0].id : -1;
  if (FOCUS) {
    if (FOCUS.lostOnBroker >= 0) dumpBroker = FOCUS.lostOnBroker;
    for (var fv = 0; fv < nVer; fv++) {
      if (isFocusVersion(fv) && liveAt(fv, scrubT)) { dumpBroker = DATA.batches.b[verBatch[fv]]; break; }
    }
  }
  var redrawQueued = false;
  function queueRedraw() {
    if (redrawQueued) return;
    redrawQueued = true;
    requestAnimationFrame(function () { redrawQueued = false; drawTimeline(); drawGrid(); });
  }

  // ---------------------------------------------------------------- tooltip
  var tip = $('tooltip');
  function showTip(lines, clientX, clientY) {
    tip.replaceChildren();
    lines.forEach(function (line, j) { tip.appendChild(el('div', j === 0 ? 'title' : '', line)); });
    tip.hidden = false;
    var w = tip.offsetWidth, h = tip.offsetHeight;
    var x = clientX + 14, y = clientY + 14;
    if (x + w > window.innerWidth - 8) x = Math.max(8, clientX - w - 14);
    if (y + h > window.innerHeight - 8) y = Math.max(8, clientY - h - 14);
    tip.style.left = x + 'px';
    tip.style.top = y + 'px';
  }
  function hideTip() { tip.hidden = true; }

  // ---------------------------------------------------------------- header
  function renderHeader() {
    var h = DATA.headline;
    $('top').className = 'status-' + h.status;
    $('verdict-badge').textContent = { violation: 'violation', expected: 'expected loss', valid: 'valid', unknown: 'unknown' }[h.status];
    $('headline').textContent = h.label;
    $('sentence').textContent = h.sentence;
    var meta = $('meta');
    DATA.meta.forEach(function (kv) {
      var d = el('div');
      d.appendChild(el('dt', '', kv[0]));
      d.appendChild(el('dd', '', kv[1]));
      meta.appendChild(d);
    });
  }

  // ---------------------------------------------------------------- the lost record and its story
  function renderStory() {
    if (!FOCUS) {
      $('lost-record').hidden = true;
      $('story-title').textContent = CHECK ? '' : 'What went wrong';
      $('summary').textContent = DATA.anomalies.length ? DATA.anomalies[0].explanation : 'No anomaly.';
      if (CHECK) $('story-card').hidden = true;
      return;
    }
    var box = $('lost-record');
    box.appendChild(el('span', 'value', FOCUS.value));
    box.appendChild(el('span', 'where', DATA.tps[FOCUS.tp] + (FOCUS.offset >= 0 ? ' · offset ' + FOCUS.offset : '')));
    var facts = [];
    if (FOCUS.producer) facts.push('sent by ' + FOCUS.producer);
    if (FOCUS.appendedAtUs >= 0) facts.push('appended ' + fmtTime(FOCUS.appendedAtUs));
    if (FOCUS.ackedAtUs >= 0) facts.push('acknowledged ' + fmtTime(FOCUS.ackedAtUs));
    if (FOCUS.lostAtUs >= 0) facts.push('last copy gone ' + fmtTime(FOCUS.lostAtUs) + (FOCUS.lostOnBroker >= 0 ? ' on ' + brokerName(FOCUS.lostOnBroker) : ''));
    facts.push('copies at the end: ' + FOCUS.copiesAtEnd);
    if (FOCUS.finalValue !== null && FOCUS.offset >= 0) facts.push('offset ' + FOCUS.offset + ' finally holds ' + quote(FOCUS.finalValue));
    facts.forEach(function (f) { box.appendChild(el('span', 'fact', f)); });
    $('summary').textContent = DATA.summary;
    var ol = $('story');
    DATA.story.forEach(function (step, j) {
      var li = el('li', 'tone-' + step.tone + (step.key ? ' key' : ' context'));
      li.dataset.index = String(j);
      li.appendChild(el('span', 't', fmtTime(step.t)));
      li.appendChild(el('span', 'txt', step.text));
      li.title = 'Show the cluster at ' + fmtTime(step.t);
      li.addEventListener('click', function () { setScrub(step.t); });
      ol.appendChild(li);
    });
  }
  function markStoryStep() {
    var items = $('story').children, current = -1;
    for (var j = 0; j < DATA.story.length; j++) if (DATA.story[j].t <= scrubT) current = j;
    for (j = 0; j < items.length; j++) items[j].classList.toggle('current', j === current);
  }

  // ---------------------------------------------------------------- counterexample (check reports)
  function renderCex() {
    if (!DATA.cex) return;
    $('cex-card').hidden = false;
    var c = DATA.cex;
    $('cex-reason').textContent = c.reason + (c.partitionKey !== null ? ' (key ' + c.partitionKey + ')' : '');
    $('cex-failed').textContent = c.failed >= 0 ? opLines(c.failed).join('\n') : 'not in the history';
    $('cex-prefix-title').textContent = 'Longest linearizable prefix: ' + c.prefix.length + ' operation' + (c.prefix.length === 1 ? '' : 's') + ', in linearization order';
    var ol = $('cex-prefix');
    var shown = c.prefix.length > 200 ? c.prefix.slice(0, 100).concat([-1], c.prefix.slice(-99)) : c.prefix;
    shown.forEach(function (o) {
      if (o < 0) { ol.appendChild(el('li', 'muted', '… ' + (c.prefix.length - 199) + ' more …')); return; }
      var li = el('li', '', DATA.lanes[opLane[o]].name + ': ' + opLabel(o, 200) + '  [' + fmtTime(opT0[o]) + ']');
      li.value = cexOrder[o];
      ol.appendChild(li);
    });
  }

  // ---------------------------------------------------------------- operations
  var ST_NAME = ['ok', 'fail', 'info', 'no completion'];
  var ST_COLOR = ['#16a34a', '#e11d48', '#f59e0b', '#a8a29e'];
  function opLabel(o, max) {
    var f = str(DATA.ops.f[o]), val = str(DATA.ops.val[o]), off = DATA.ops.off[o], n = DATA.ops.n[o], res = str(DATA.ops.res[o]);
    var tp = DATA.ops.tp[o] >= 0 ? DATA.tps[DATA.ops.tp[o]] : null;
    if (f === 'send' && tp !== null) return 'send ' + quote(val, max) + (off >= 0 ? ' → ' + tp + '@' + off : ' → ' + tp);
    if (f === 'poll' && tp !== null) return 'poll ' + tp + '@' + off + (n >= 0 ? ' → ' + n + ' record' + (n === 1 ? '' : 's') : '');
    return f + (val !== null ? ' ' + val : '') + (res !== null ? ' → ' + res : '');
  }
  function opLines(o) {
    var lines = [DATA.lanes[opLane[o]].name + ' · ' + opLabel(o, 120)];
    var st = opSt[o], err = str(DATA.ops.err[o]);
    lines.push(ST_NAME[st] + (err !== null ? ' (' + err + ')' : '') +
      (st === 3 ? ' · invoked ' + fmtTime(opT0[o]) : ' · ' + fmtTime(opT0[o]) + ' → ' + fmtTime(opT1[o]) + ' (' + fmtDur(opT1[o] - opT0[o]) + ')'));
    var res = str(DATA.ops.res[o]);
    if (str(DATA.ops.f[o]) === 'poll' && res !== null) lines.push('records ' + res);
    lines.push('history index ' + DATA.ops.hi[o] + ' · operation ' + o);
    if (FOCUS && o === FOCUS.sendOp) lines.push('★ the send of the lost record');
    else if (marked[o]) lines.push('★ involved in the anomaly');
    if (DATA.cex) {
      if (o === cexFailed) lines.push('✗ cannot be placed: ' + DATA.cex.reason);
      else if (cexOrder[o]) lines.push('#' + cexOrder[o] + ' in the longest linearizable prefix');
      else lines.push('not in the longest linearizable prefix');
    }
    return lines;
  }

  // ---------------------------------------------------------------- timeline
  var TL = { wrap: $('tl-wrap'), scroller: $('tl-scroll'), spacer: $('tl-spacer'), canvas: $('tl-canvas'), scale: 1, lanes: [], laneY: [], height: 0 };
  var LABEL_W = 150, AXIS_H = 42;
  function buildLanes() {
    var lanes = [];
    if (!CHECK) {
      lanes.push({ kind: 'group', h: 20, label: 'Controller — ' + (DATA.tps[curTp] || '') });
      lanes.push({ kind: 'controller', h: 26, label: DATA.controllers.length ? DATA.controllers[0].name : 'controller' });
      lanes.push({ kind: 'group', h: 20, label: 'Brokers — replicas of ' + (DATA.tps[curTp] || '') });
      DATA.brokers.forEach(function (br) { lanes.push({ kind: 'broker', h: 34, id: br.id, label: br.name }); });
    }
    lanes.push({ kind: 'group', h: 20, label: 'Clients' });
    DATA.lanes.forEach(function (lane, j) { lanes.push({ kind: 'client', h: 22, id: j, label: lane.name }); });
    var y = 0;
    TL.laneY = lanes.map(function (l) { var y0 = y; y += l.h; return y0; });
    TL.height = y;
    TL.lanes = lanes;
  }
  function tlFitScale() {
    var w = Math.max(100, TL.scroller.clientWidth - LABEL_W - 16);
    return w / Math.max(1, END - START);
  }
  function tlMaxScale() { return Math.min(20, 2e7 / Math.max(1, END - START)); }
  function tlLayout() {
    var h = Math.min(AXIS_H + TL.height + 18, Math.max(260, Math.round(window.innerHeight * 0.7)));
    TL.wrap.style.height = h + 'px';
    TL.spacer.style.width = Math.ceil(LABEL_W + (END - START) * TL.scale + 16) + 'px';
    TL.spacer.style.height = AXIS_H + TL.height + 'px';
  }
  function tlView() {
    var W = TL.scroller.clientWidth, H = TL.scroller.clientHeight;
    var t0 = START + TL.scroller.scrollLeft / TL.scale;
    return { W: W, H: H, t0: t0, t1: t0 + (W - LABEL_W) / TL.scale, yOff: TL.scroller.scrollTop };
  }
  function setScale(scale, anchorX) {
    scale = Math.max(tlFitScale(), Math.min(tlMaxScale(), scale));
    var view = tlView();
    if (anchorX === undefined) anchorX = LABEL_W + (view.W - LABEL_W) / 2;
    var tAnchor = view.t0 + (anchorX - LABEL_W) / TL.scale;
    TL.scale = scale;
    tlLayout();
    TL.scroller.scrollLeft = Math.max(0, (tAnchor - START) * scale - (anchorX - LABEL_W));
    queueRedraw();
  }
  function showRange(t0, t1) {
    var w = Math.max(100, TL.scroller.clientWidth - LABEL_W - 16);
    TL.scale = Math.max(tlFitScale(), Math.min(tlMaxScale(), w / Math.max(1, t1 - t0)));
    tlLayout();
    TL.scroller.scrollLeft = Math.max(0, (t0 - START) * TL.scale);
    queueRedraw();
  }
  function sizeCanvas(canvas, W, H) {
    var cw = Math.round(W * dpr), ch = Math.round(H * dpr);
    if (canvas.width !== cw || canvas.height !== ch) {
      canvas.width = cw; canvas.height = ch;
      canvas.style.width = W + 'px'; canvas.style.height = H + 'px';
    }
    var ctx = canvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    return ctx;
  }
  function niceStep(x) {
    var p = Math.pow(10, Math.floor(Math.log10(x))), m = x / p;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
  }
  function tickLabel(t, step) {
    var rel = t - START;
    if (step >= 1e6) return (rel / 1e6).toFixed(0) + ' s';
    if (step >= 1e5) return (rel / 1e6).toFixed(1) + ' s';
    if (step >= 1e4) return (rel / 1e6).toFixed(2) + ' s';
    if (step >= 1e3) return (rel / 1e3).toFixed(0) + ' ms';
    if (step >= 1e2) return (rel / 1e3).toFixed(1) + ' ms';
    return rel.toFixed(0) + ' µs';
  }
  function fitText(ctx, text, maxW) {
    if (maxW <= 8) return '';
    if (ctx.measureText(text).width <= maxW) return text;
    var lo = 0, hi = text.length;
    while (lo < hi) { var m = (lo + hi + 1) >>> 1; if (ctx.measureText(text.slice(0, m) + '…').width <= maxW) lo = m; else hi = m - 1; }
    return lo > 0 ? text.slice(0, lo) + '…' : '';
  }
  var EPOCH_COLORS = ['#dbeafe', '#dcfce7', '#fef3c7', '#fae8ff', '#cffafe', '#ffe4e6', '#e0e7ff', '#ecfccb'];

  function drawTimeline() {
    var view = tlView(), W = view.W, H = view.H;
    var ctx = sizeCanvas(TL.canvas, W, H);
    var scale = TL.scale;
    function X(t) { return LABEL_W + (t - view.t0) * scale; }
    ctx.clearRect(0, 0, W, H);
    ctx.font = '11px ui-monospace, "DejaVu Sans Mono", monospace';
    ctx.textBaseline = 'middle';

    ctx.save();
    ctx.beginPath(); ctx.rect(LABEL_W, AXIS_H, W - LABEL_W, H - AXIS_H); ctx.clip();
    // fault periods
    DATA.faults.forEach(function (f) {
      if (f.startUs < 0) return;
      var xa = X(f.startUs), xb = X(f.endUs >= 0 ? f.endUs : END);
      ctx.fillStyle = f.beyondPromise ? 'rgba(234, 88, 12, 0.10)' : 'rgba(220, 38, 38, 0.08)';
      ctx.fillRect(xa, AXIS_H, Math.max(2, xb - xa), H - AXIS_H);
    });
    for (var li = 0; li < TL.lanes.length; li++) {
      var lane = TL.lanes[li], y = AXIS_H + TL.laneY[li] - view.yOff;
      if (y + lane.h < AXIS_H || y > H) continue;
      if (lane.kind === 'group') {
        ctx.fillStyle = '#f1f5f9'; ctx.fillRect(LABEL_W, y, W - LABEL_W, lane.h);
      } else if (lane.kind === 'client') drawClientLane(ctx, lane.id, y, lane.h, view, X);
      else if (lane.kind === 'broker') drawBrokerLane(ctx, lane.id, y, lane.h, view, X);
      else if (lane.kind === 'controller') drawControllerLane(ctx, y, lane.h, view, X);
      ctx.fillStyle = '#eef2f7'; ctx.fillRect(LABEL_W, y + lane.h - 1, W - LABEL_W, 1);
    }
    // the lost record's moments
    if (FOCUS) {
      [[FOCUS.appendedAtUs, '#2563eb', 'appended'], [FOCUS.ackedAtUs, '#16a34a', 'acked'], [FOCUS.lostAtUs, '#b91c1c', 'lost']].forEach(function (m) {
        if (m[0] < 0) return;
        ctx.strokeStyle = m[1]; ctx.lineWidth = 1.5; ctx.setLineDash([4, 3]);
        ctx.beginPath(); ctx.moveTo(Math.round(X(m[0])) + 0.5, AXIS_H); ctx.lineTo(Math.round(X(m[0])) + 0.5, H); ctx.stroke();
        ctx.setLineDash([]);
      });
    }
    // scrubber cursor (violation reports only: a check report has no cluster to show)
    var xc = Math.round(X(scrubT)) + 0.5;
    if (!CHECK) {
      ctx.strokeStyle = '#0f172a'; ctx.lineWidth = 2;
      ctx.beginPath(); ctx.moveTo(xc, AXIS_H); ctx.lineTo(xc, H); ctx.stroke();
    }
    ctx.restore();

    // lane labels
    ctx.save();
    ctx.beginPath(); ctx.rect(0, AXIS_H, LABEL_W, H - AXIS_H); ctx.clip();
    ctx.fillStyle = '#ffffff'; ctx.fillRect(0, AXIS_H, LABEL_W, H - AXIS_H);
    for (li = 0; li < TL.lanes.length; li++) {
      lane = TL.lanes[li]; y = AXIS_H + TL.laneY[li] - view.yOff;
      if (y + lane.h < AXIS_H || y > H) continue;
      if (lane.kind === 'group') {
        ctx.fillStyle = '#f1f5f9'; ctx.fillRect(0, y, LABEL_W, lane.h);
        ctx.fillStyle = '#475569'; ctx.font = 'bold 11px system-ui, sans-serif';
        ctx.fillText(fitText(ctx, lane.label.toUpperCase(), W - 16), 8, y + lane.h / 2);
        continue;
      }
      ctx.font = '12px system-ui, sans-serif'; ctx.fillStyle = '#1f2937';
      var label = lane.label;
      if (lane.kind === 'broker' && FOCUS && FOCUS.lostOnBroker === lane.id) label = label + ' ✂';
      ctx.fillText(fitText(ctx, label, LABEL_W - 14), 8, y + lane.h / 2);
      ctx.fillStyle = '#eef2f7'; ctx.fillRect(0, y + lane.h - 1, LABEL_W, 1);
    }
    ctx.fillStyle = '#cbd5e1'; ctx.fillRect(LABEL_W - 1, AXIS_H, 1, H - AXIS_H);
    ctx.restore();

    // axis
    ctx.fillStyle = '#ffffff'; ctx.fillRect(0, 0, W, AXIS_H);
    ctx.fillStyle = '#cbd5e1'; ctx.fillRect(0, AXIS_H - 1, W, 1);
    ctx.save();
    ctx.beginPath(); ctx.rect(LABEL_W, 0, W - LABEL_W, AXIS_H); ctx.clip();
    var step = niceStep(90 / scale);
    ctx.font = '11px system-ui, sans-serif'; ctx.fillStyle = '#475569';
    for (var t = Math.ceil((view.t0 - START) / step) * step + START; t <= view.t1; t += step) {
      var xt = Math.round(X(t)) + 0.5;
      ctx.fillRect(xt, AXIS_H - 7, 1, 6);
      ctx.fillText(tickLabel(t, step), xt + 3, AXIS_H - 11);
    }
    DATA.faults.forEach(function (f) {
      if (f.startUs < 0) return;
      var xa = Math.max(LABEL_W, X(f.startUs)), xb = X(f.endUs >= 0 ? f.endUs : END);
      if (xb < LABEL_W) return;
      ctx.fillStyle = f.beyondPromise ? 'rgba(234, 88, 12, 0.25)' : 'rgba(220, 38, 38, 0.18)';
      ctx.fillRect(xa, 0, Math.max(2, xb - xa), 9);
      ctx.fillStyle = '#991b1b'; ctx.font = '9px system-ui, sans-serif';
      ctx.fillText(fitText(ctx, 'fault ' + f.id + ': ' + f.description, xb - xa - 4), xa + 3, 5);
    });
    if (FOCUS) {
      var lastLabelX = -1e9;
      [[FOCUS.appendedAtUs, '#1d4ed8', 'appended'], [FOCUS.ackedAtUs, '#15803d', 'acked'], [FOCUS.lostAtUs, '#b91c1c', 'lost']].forEach(function (m) {
        if (m[0] < 0) return;
        var xm = X(m[0]);
        if (xm < LABEL_W || xm > W || xm - lastLabelX < 52) return;
        lastLabelX = xm;
        ctx.font = 'bold 9px system-ui, sans-serif'; ctx.fillStyle = m[1];
        ctx.fillText(m[2], xm + 3, 16);
      });
    }
    if (!CHECK) {
      ctx.fillStyle = '#0f172a'; ctx.font = 'bold 10px system-ui, sans-serif';
      ctx.fillText('▼', xc - 4, AXIS_H - 4);
    }
    ctx.restore();
    ctx.fillStyle = '#475569'; ctx.font = '11px system-ui, sans-serif';
    ctx.fillText(CHECK ? 'time' : 'virtual time', 8, AXIS_H / 2);
  }

  function drawClientLane(ctx, lane, y, h, view, X) {
    var list = laneOps[lane], maxEnd = laneMaxEnd[lane];
    var j = lowerBound(maxEnd, view.t0);
    var lastX = -1e9, lastSt = -1;
    var labels = [];
    for (; j < list.length; j++) {
      var o = list[j];
      if (opT0[o] > view.t1) break;
      var xa = X(opT0[o]), xb = X(opT1[o]), w = Math.max(1.5, xb - xa);
      var st = opSt[o];
      var special = marked[o] || (FOCUS && o === FOCUS.sendOp) || o === cexFailed;
      if (!special && w < 2 && Math.floor(xa) === lastX && st === lastSt) continue;
      lastX = Math.floor(xa); lastSt = st;
      ctx.globalAlpha = DATA.cex && !cexOrder[o] && o !== cexFailed ? 0.35 : 1;
      ctx.fillStyle = ST_COLOR[st];
      ctx.fillRect(xa, y + 4, w, h - 8);
      ctx.globalAlpha = 1;
      if (special) {
        ctx.strokeStyle = '#7f1d1d'; ctx.lineWidth = (FOCUS && o === FOCUS.sendOp) || o === cexFailed ? 3 : 2;
        ctx.strokeRect(xa - 1, y + 2.5, w + 2, h - 5);
      } else if (DATA.cex && cexOrder[o]) {
        ctx.strokeStyle = '#14532d'; ctx.lineWidth = 1; ctx.strokeRect(xa + 0.5, y + 4.5, w - 1, h - 9);
      }
      if (w > 46) labels.push([o, xa, w]);
    }
    if (FOCUS && FOCUS.sendOp >= 0 && opLane[FOCUS.sendOp] === lane) {
      var fo = FOCUS.sendOp, fx = X(opT1[fo]);
      if (fx > LABEL_W && X(opT0[fo]) < view.W && !(fx - X(opT0[fo]) > 46)) {
        ctx.fillStyle = '#7f1d1d'; ctx.font = 'bold 11px ui-monospace, "DejaVu Sans Mono", monospace';
        ctx.fillText('◀ ' + fitText(ctx, quote(FOCUS.value, 40), 240), fx + 5, y + h / 2);
        ctx.font = '11px ui-monospace, "DejaVu Sans Mono", monospace';
      }
    }
    ctx.fillStyle = '#ffffff';
    labels.forEach(function (lb) {
      var text = (DATA.cex && cexOrder[lb[0]] ? '#' + cexOrder[lb[0]] + ' ' : '') + opLabel(lb[0], 40);
      var x0 = Math.max(lb[1], LABEL_W);
      ctx.fillText(fitText(ctx, text, lb[1] + lb[2] - x0 - 6), x0 + 3, y + h / 2);
    });
  }

  function roleColor(role) { return role === 1 ? '#2563eb' : role === 2 ? '#93c5fd' : '#e5e7eb'; }
  function drawBrokerLane(ctx, br, y, h, view, X) {
    var rows = (repBy[curTp] || {})[br] || [];
    var top = y + 4, bh = h - 14;
    var k = Math.max(0, lastAtOrBefore(rows, repT, view.t0));
    var runX = 0, runEnd = -1e9, runColor = null, labels = [];
    function flush() { if (runColor) { ctx.fillStyle = runColor; ctx.fillRect(runX, top, Math.max(1, runEnd - runX), bh); } }
    for (; k < rows.length; k++) {
      var r = rows[k];
      if (repT[r] > view.t1) break;
      var tEnd = k + 1 < rows.length ? repT[rows[k + 1]] : END;
      var xa = X(repT[r]), xb = X(tEnd);
      var c = roleColor(DATA.rep.role[r]);
      if (c !== runColor || xa - runEnd > 0.5) { flush(); runX = xa; runColor = c; }
      runEnd = xb;
      if (xb - xa > 60) labels.push([r, xa, xb]);
    }
    flush();
    ctx.font = '11px ui-monospace, "DejaVu Sans Mono", monospace';
    labels.forEach(function (lb) {
      var r = lb[0], role = DATA.rep.role[r];
      var text = (role === 1 ? 'leader' : role === 2 ? 'follower' : 'no role') + (DATA.rep.ep[r] >= 0 ? ' e' + DATA.rep.ep[r] : '') + ' · HW ' + repHw[r] + ' · LEO ' + repLeo[r];
      var x0 = Math.max(lb[1], LABEL_W);
      ctx.fillStyle = role === 1 ? '#ffffff' : '#0f172a';
      ctx.fillText(fitText(ctx, text, lb[2] - x0 - 6), x0 + 4, top + bh / 2);
    });
    // process down periods
    var nrows = nodeBy[br] || [];
    for (var j = 0; j < nrows.length; j++) {
      var n = nrows[j];
      if (DATA.nodeEv.up[n] === 1) continue;
      var tUp = END;
      for (var q = j + 1; q < nrows.length; q++) if (DATA.nodeEv.up[nrows[q]] === 1) { tUp = nodeT[nrows[q]]; break; }
      var da = X(nodeT[n]), db = X(tUp);
      if (db < LABEL_W || da > view.W) continue;
      ctx.fillStyle = '#374151';
      ctx.fillRect(da, top, Math.max(2, db - da), bh);
      ctx.fillStyle = '#f9fafb';
      var x0 = Math.max(da, LABEL_W);
      ctx.fillText(fitText(ctx, 'down (' + str(DATA.nodeEv.cause[n]) + ')', db - x0 - 6), x0 + 4, top + bh / 2);
    }
    // copies of the lost record: a red bar while this broker holds it
    if (FOCUS) {
      var vb = (verBy[FOCUS.tp] || {})[br];
      if (vb && curTp === FOCUS.tp) {
        var s = lowerBound(vb.offs, FOCUS.offset >= 0 ? FOCUS.offset : 0);
        for (var z = FOCUS.offset >= 0 ? s : 0; z < vb.list.length; z++) {
          var x = vb.list[z];
          if (FOCUS.offset >= 0 && verOff[x] !== FOCUS.offset) break;
          if (!isFocusVersion(x)) continue;
          var ca = X(verTa(x)), cb = X(verTt[x] === Infinity ? END : verTt[x]);
          ctx.fillStyle = '#dc2626';
          ctx.fillRect(ca, y + h - 9, Math.max(2, cb - ca), 5);
          if (verTt[x] !== Infinity) { ctx.fillStyle = '#7f1d1d'; ctx.font = 'bold 12px system-ui, sans-serif'; ctx.fillText('✂', cb - 4, y + h - 7); }
        }
      }
    }
    // truncations
    var trows = (truncBy[curTp] || {})[br] || [];
    ctx.fillStyle = '#ea580c';
    for (j = 0; j < trows.length; j++) {
      var xt = X(truncT[trows[j]]);
      if (xt < LABEL_W - 6 || xt > view.W + 6) continue;
      ctx.beginPath(); ctx.moveTo(xt - 5, y + 1); ctx.lineTo(xt + 5, y + 1); ctx.lineTo(xt, y + 8); ctx.closePath(); ctx.fill();
    }
  }

  function drawControllerLane(ctx, y, h, view, X) {
    var rows = partBy[curTp] || [];
    var k = Math.max(0, lastAtOrBefore(rows, partT, view.t0));
    for (; k < rows.length; k++) {
      var r = rows[k];
      if (partT[r] > view.t1) break;
      var xa = X(partT[r]), xb = X(k + 1 < rows.length ? partT[rows[k + 1]] : END);
      var leader = DATA.part.leader[r];
      ctx.fillStyle = leader < 0 ? '#fecaca' : k % 2 ? '#ede9fe' : '#f5f3ff';
      ctx.fillRect(xa, y + 3, Math.max(1, xb - xa), h - 6);
      ctx.fillStyle = '#a78bfa'; ctx.fillRect(xa, y + 3, 1, h - 6);
      if (xb - xa > 60) {
        ctx.fillStyle = '#3b0764';
        var x0 = Math.max(xa, LABEL_W);
        var elr = listOf(DATA.part.elr[r]);
        var text = (leader < 0 ? 'no leader' : 'leader ' + leader) + ' · e' + DATA.part.ep[r] + ' · ISR [' + listOf(DATA.part.isr[r]) + ']' + (elr ? ' · ELR [' + elr + ']' : '');
        ctx.fillText(fitText(ctx, text, xb - x0 - 6), x0 + 4, y + h / 2);
      }
    }
    DATA.controllers.forEach(function (c) {
      var nrows = nodeBy[c.id] || [];
      for (var j = 0; j < nrows.length; j++) {
        if (DATA.nodeEv.up[nrows[j]] === 1) continue;
        var tUp = END;
        for (var q = j + 1; q < nrows.length; q++) if (DATA.nodeEv.up[nrows[q]] === 1) { tUp = nodeT[nrows[q]]; break; }
        ctx.fillStyle = 'rgba(55, 65, 81, 0.85)';
        ctx.fillRect(X(nodeT[nrows[j]]), y + 3, Math.max(2, X(tUp) - X(nodeT[nrows[j]])), h - 6);
      }
    });
  }

  function laneAt(yContent) {
    var lo = 0, hi = TL.laneY.length;
    while (lo < hi) { var m = (lo + hi) >>> 1; if (TL.laneY[m] <= yContent) lo = m + 1; else hi = m; }
    var li = lo - 1;
    return li >= 0 && yContent < TL.laneY[li] + TL.lanes[li].h ? li : -1;
  }
  function opNear(lane, t, slackUs) {
    var list = laneOps[lane], maxEnd = laneMaxEnd[lane];
    var best = -1, bestD = Infinity;
    for (var j = lowerBound(maxEnd, t - slackUs); j < list.length; j++) {
      var o = list[j];
      if (opT0[o] > t + slackUs) break;
      var d = t < opT0[o] ? opT0[o] - t : t > opT1[o] ? t - opT1[o] : 0;
      if (d < bestD) { bestD = d; best = o; }
      if (d === 0) break;
    }
    return bestD <= slackUs ? best : -1;
  }
  function tlHover(e) {
    var rect = TL.scroller.getBoundingClientRect();
    var x = e.clientX - rect.left, y = e.clientY - rect.top;
    var view = tlView();
    if (x < LABEL_W || y < AXIS_H) { hideTip(); return; }
    var t = view.t0 + (x - LABEL_W) / TL.scale;
    var li = laneAt(y - AXIS_H + view.yOff);
    if (li < 0) { hideTip(); return; }
    var lane = TL.lanes[li];
    var lines = null;
    if (lane.kind === 'client') {
      var o = opNear(lane.id, t, 4 / TL.scale);
      if (o >= 0) lines = opLines(o);
    } else if (lane.kind === 'broker') lines = brokerLines(lane.id, t, 6 / TL.scale);
    else if (lane.kind === 'controller') lines = controllerLines(t);
    if (lines) showTip(lines, e.clientX, e.clientY); else hideTip();
  }
  function brokerLines(br, t, slackUs) {
    var lines = [brokerName(br) + ' · ' + DATA.tps[curTp] + ' at ' + fmtTime(Math.round(t))];
    var ns = nodeStateAt(br, t);
    lines.push('process ' + (ns.up ? 'up' : 'down') + (ns.cause ? ' (' + ns.cause + ')' : ''));
    var r = replicaAt(curTp, br, t);
    if (r) lines.push(ROLE[r.role] + ' · leader epoch ' + r.ep + ' · HW ' + r.hw + ' · LEO ' + r.leo);
    else lines.push('no replica state yet');
    var trows = (truncBy[curTp] || {})[br] || [];
    for (var j = 0; j < trows.length; j++) {
      if (Math.abs(truncT[trows[j]] - t) <= slackUs) lines.push('✂ truncated to offset ' + DATA.trunc.to[trows[j]] + ' (' + str(DATA.trunc.why[trows[j]]) + ') at ' + fmtTime(truncT[trows[j]]));
    }
    if (FOCUS && curTp === FOCUS.tp) {
      var vb = (verBy[FOCUS.tp] || {})[br], has = false;
      if (vb) for (var z = 0; z < vb.list.length; z++) if (isFocusVersion(vb.list[z]) && liveAt(vb.list[z], t)) has = true;
      lines.push(has ? 'holds the lost record ' + quote(FOCUS.value) : 'does not hold ' + quote(FOCUS.value));
    }
    return lines;
  }
  function controllerLines(t) {
    var r = partitionAt(curTp, t);
    if (r < 0) return ['controller · ' + DATA.tps[curTp], 'no partition record yet'];
    var elr = listOf(DATA.part.elr[r]);
    return ['controller · ' + DATA.tps[curTp] + ' at ' + fmtTime(Math.round(t)),
      'leader ' + (DATA.part.leader[r] < 0 ? 'none' : DATA.part.leader[r]) + ' · leader epoch ' + DATA.part.ep[r] + ' · partition epoch ' + DATA.part.pep[r],
      'replicas [' + listOf(DATA.part.replicas[r]) + '] · ISR [' + listOf(DATA.part.isr[r]) + '] · ELR [' + elr + ']',
      'since ' + fmtTime(partT[r])];
  }
  function initTimeline() {
    if (CHECK) {
      Array.prototype.forEach.call(document.querySelectorAll('.cluster-only'), function (e) { e.hidden = true; });
      $('tl-hint').textContent = 'Hover for details; drag or scroll sideways to pan; Ctrl + wheel to zoom. Numbered bars (#1, #2, …) form the longest linearizable prefix, in linearization order; the outlined bar is the operation that could not be placed; faded bars are outside the prefix.';
    }
    buildLanes();
    TL.scale = tlFitScale();
    tlLayout();
    var drag = null;
    TL.scroller.addEventListener('scroll', function () { hideTip(); queueRedraw(); });
    TL.scroller.addEventListener('mousemove', function (e) {
      if (drag) {
        var dx = e.clientX - drag.x;
        if (Math.abs(dx) > 3) drag.moved = true;
        if (drag.moved) { TL.scroller.scrollLeft = drag.left - dx; hideTip(); return; }
      }
      tlHover(e);
    });
    TL.scroller.addEventListener('mouseleave', function () { hideTip(); drag = null; });
    TL.scroller.addEventListener('mousedown', function (e) { if (e.button === 0) drag = { x: e.clientX, left: TL.scroller.scrollLeft, moved: false }; });
    TL.scroller.addEventListener('mouseup', function (e) {
      var wasDrag = drag && drag.moved;
      drag = null;
      if (wasDrag || CHECK) return;
      var rect = TL.scroller.getBoundingClientRect(), x = e.clientX - rect.left;
      if (x < LABEL_W) return;
      setScrub(Math.round(tlView().t0 + (x - LABEL_W) / TL.scale));
    });
    TL.scroller.addEventListener('wheel', function (e) {
      if (!e.ctrlKey && !e.metaKey) return;
      e.preventDefault();
      var rect = TL.scroller.getBoundingClientRect();
      setScale(TL.scale * Math.pow(1.0015, -e.deltaY), e.clientX - rect.left);
    }, { passive: false });
    $('zoom-in').addEventListener('click', function () { setScale(TL.scale * 2); });
    $('zoom-out').addEventListener('click', function () { setScale(TL.scale / 2); });
    $('zoom-fit').addEventListener('click', function () { showRange(START, END); });
    var storyBtn = $('zoom-story');
    // The story's window: from the send to the loss (or to the last key step before the end).
    var lossT = FOCUS && FOCUS.lostAtUs >= 0 ? FOCUS.lostAtUs : Infinity;
    var keyTimes = DATA.story.filter(function (s) { return s.key && s.t <= lossT; }).map(function (s) { return s.t; });
    if (FOCUS && lossT === Infinity) keyTimes = keyTimes.slice(0, -1);
    if (FOCUS && keyTimes.length) {
      var zoomToStory = function () {
        var a = Math.min.apply(null, keyTimes), bb = Math.max.apply(null, keyTimes);
        var pad = Math.max(1000, (bb - a) * 0.06);
        showRange(Math.max(START, a - pad), Math.min(END, bb + pad));
      };
      storyBtn.addEventListener('click', zoomToStory);
      zoomToStory(); // the story is what the report is about; "Whole run" is one click away
    } else storyBtn.hidden = true;
    if (CHECK && DATA.cex && cexFailed >= 0) {
      storyBtn.hidden = false;
      storyBtn.textContent = 'Zoom to the failed op';
      storyBtn.addEventListener('click', function () { revealOp(cexFailed, true); });
    }
    window.addEventListener('resize', function () { tlLayout(); queueRedraw(); });
  }
  /** Scrolls the timeline so operation o is visible (optionally zoomed so it is wide). Returns its client rect. */
  function revealOp(o, zoom) {
    if (zoom) {
      var span = Math.max(opT1[o] - opT0[o], 1);
      showRange(Math.max(START, opT0[o] - span * 3), Math.min(END, opT1[o] + span * 3));
    }
    var li = -1;
    for (var j = 0; j < TL.lanes.length; j++) if (TL.lanes[j].kind === 'client' && TL.lanes[j].id === opLane[o]) li = j;
    var view = tlView();
    var xa = LABEL_W + (opT0[o] - view.t0) * TL.scale, xb = LABEL_W + (opT1[o] - view.t0) * TL.scale;
    if (xa < LABEL_W || xb > view.W) TL.scroller.scrollLeft = Math.max(0, (opT0[o] - START) * TL.scale - (view.W - LABEL_W) / 3);
    var yTop = TL.laneY[li];
    if (yTop < view.yOff || yTop + TL.lanes[li].h > view.yOff + view.H - AXIS_H) TL.scroller.scrollTop = Math.max(0, yTop - 40);
    drawTimeline();
    view = tlView();
    var rect = TL.scroller.getBoundingClientRect();
    if (rect.top < 0 || rect.bottom > window.innerHeight) {
      TL.wrap.scrollIntoView({ block: 'center' });
      rect = TL.scroller.getBoundingClientRect();
    }
    var x0 = Math.max(LABEL_W, LABEL_W + (opT0[o] - view.t0) * TL.scale), x1 = Math.min(view.W, LABEL_W + (opT1[o] - view.t0) * TL.scale);
    return { x: rect.left + x0, y: rect.top + AXIS_H + yTop - view.yOff + 4, width: Math.max(1.5, x1 - x0), height: TL.lanes[li].h - 8 };
  }

  // ---------------------------------------------------------------- replica logs by offset
  var GR = { wrap: $('grid-wrap'), scroller: $('grid-scroll'), spacer: $('grid-spacer'), canvas: $('grid-canvas'), rows: [], maxOff: -1 };
  var G_LABEL = 118, G_HEAD = 24, G_COL = 88, G_VH = 18;
  function gridRows() {
    var per = verBy[curTp] || {};
    var maxOff = -1;
    GR.rows = DATA.brokers.map(function (br) {
      var vb = per[br.id];
      var depth = 1;
      if (vb) {
        maxOff = Math.max(maxOff, vb.offs[vb.offs.length - 1]);
        for (var j = 0, run = 1; j < vb.list.length; j++) {
          run = j > 0 && vb.offs[j] === vb.offs[j - 1] ? run + 1 : 1;
          depth = Math.max(depth, run);
        }
      }
      return { id: br.id, name: br.name, depth: Math.min(depth, 3), h: Math.max(38, 8 + Math.min(depth, 3) * (G_VH + 2)) };
    });
    GR.maxOff = maxOff;
    var y = G_HEAD;
    GR.rows.forEach(function (r) { r.y = y; y += r.h; });
    GR.height = y;
    GR.wrap.style.height = (y + 18) + 'px';
    GR.spacer.style.width = (G_LABEL + (maxOff + 1) * G_COL + 8) + 'px';
    GR.spacer.style.height = y + 'px';
    $('grid-empty').hidden = maxOff >= 0;
  }
  function cellVersions(br, off) {
    var vb = (verBy[curTp] || {})[br];
    if (!vb) return [];
    var out = [];
    for (var j = lowerBound(vb.offs, off); j < vb.list.length && vb.offs[j] === off; j++) out.push(vb.list[j]);
    return out;
  }
  function drawGrid() {
    if (CHECK) return;
    var W = GR.scroller.clientWidth, H = GR.scroller.clientHeight;
    var ctx = sizeCanvas(GR.canvas, W, H);
    ctx.clearRect(0, 0, W, H);
    ctx.textBaseline = 'middle';
    var sl = GR.scroller.scrollLeft;
    var first = Math.max(0, Math.floor(sl / G_COL)), last = Math.min(GR.maxOff, Math.ceil((sl + W - G_LABEL) / G_COL));
    function CX(off) { return G_LABEL + off * G_COL - sl; }
    ctx.save();
    ctx.beginPath(); ctx.rect(G_LABEL, 0, W - G_LABEL, H); ctx.clip();
    ctx.font = '11px system-ui, sans-serif';
    for (var off = first; off <= last; off++) {
      var x = CX(off);
      ctx.fillStyle = FOCUS && curTp === FOCUS.tp && off === FOCUS.offset ? '#fee2e2' : '#f8fafc';
      ctx.fillRect(x, 0, G_COL - 1, G_HEAD - 2);
      ctx.fillStyle = '#334155';
      ctx.fillText('offset ' + off, x + 6, G_HEAD / 2);
    }
    GR.rows.forEach(function (row) {
      for (var off2 = first; off2 <= last; off2++) {
        var vs = cellVersions(row.id, off2), x2 = CX(off2);
        var shown = vs.length > row.depth ? vs.slice(vs.length - row.depth) : vs;
        shown.forEach(function (ver, j) {
          var y = row.y + 4 + j * (G_VH + 2), w = G_COL - 6;
          var future = verTa(ver) > scrubT, cut = verTt[ver] <= scrubT;
          var focus = isFocusVersion(ver);
          ctx.globalAlpha = future ? 0.35 : 1;
          ctx.fillStyle = cut ? '#fff1f2' : EPOCH_COLORS[verEp(ver) % EPOCH_COLORS.length];
          ctx.fillRect(x2 + 2, y, w, G_VH);
          ctx.lineWidth = focus ? 2.5 : 1;
          ctx.strokeStyle = focus ? '#b91c1c' : cut ? '#fca5a5' : '#94a3b8';
          if (future) ctx.setLineDash([3, 2]);
          ctx.strokeRect(x2 + 2.5, y + 0.5, w - 1, G_VH - 1);
          ctx.setLineDash([]);
          ctx.font = (focus ? 'bold ' : '') + '11px ui-monospace, "DejaVu Sans Mono", monospace';
          ctx.fillStyle = cut ? '#9f1239' : '#0f172a';
          var label = fitText(ctx, (cut ? '✂ ' : '') + STR[DATA.verVal[ver]], w - 26);
          ctx.fillText(label, x2 + 6, y + G_VH / 2);
          if (cut) { var tw = ctx.measureText(label).width; ctx.fillRect(x2 + 6, y + G_VH / 2, tw, 1); }
          ctx.font = '9px system-ui, sans-serif'; ctx.fillStyle = '#475569';
          ctx.fillText('e' + verEp(ver), x2 + w - 16, y + G_VH / 2);
          ctx.globalAlpha = 1;
        });
        if (vs.length > row.depth) {
          ctx.fillStyle = '#475569'; ctx.font = '9px system-ui, sans-serif';
          ctx.fillText('+' + (vs.length - row.depth), x2 + G_COL - 18, row.y + row.h - 5);
        }
      }
      // HW at the scrubbed moment
      var r = replicaAt(curTp, row.id, scrubT);
      if (r) {
        var xh = CX(r.hw) - 1;
        ctx.fillStyle = '#d97706'; ctx.fillRect(xh - 1, row.y + 1, 3, row.h - 2);
        ctx.font = 'bold 9px system-ui, sans-serif'; ctx.fillText('HW', xh + 3, row.y + row.h - 5);
      }
      ctx.fillStyle = '#e5e7eb'; ctx.fillRect(G_LABEL, row.y + row.h - 1, W, 1);
    });
    ctx.restore();
    ctx.fillStyle = '#ffffff'; ctx.fillRect(0, 0, G_LABEL, H);
    ctx.font = '12px system-ui, sans-serif';
    GR.rows.forEach(function (row) {
      ctx.fillStyle = '#1f2937';
      ctx.fillText(fitText(ctx, row.name, G_LABEL - 12), 8, row.y + 12);
      var rs = replicaAt(curTp, row.id, scrubT), ns = nodeStateAt(row.id, scrubT);
      ctx.font = '10px system-ui, sans-serif'; ctx.fillStyle = '#64748b';
      ctx.fillText(fitText(ctx, !ns.up ? 'down' : rs ? ROLE[rs.role] + ' · LEO ' + rs.leo : '', G_LABEL - 12), 8, row.y + 26);
      ctx.font = '12px system-ui, sans-serif';
    });
    ctx.fillStyle = '#cbd5e1'; ctx.fillRect(G_LABEL - 1, 0, 1, H);
  }
  function gridHover(e) {
    var rect = GR.scroller.getBoundingClientRect();
    var x = e.clientX - rect.left, y = e.clientY - rect.top;
    if (x < G_LABEL || y < G_HEAD) { hideTip(); return null; }
    var off = Math.floor((x - G_LABEL + GR.scroller.scrollLeft) / G_COL);
    var row = null;
    GR.rows.forEach(function (r) { if (y >= r.y && y < r.y + r.h) row = r; });
    if (!row || off > GR.maxOff) { hideTip(); return null; }
    var vs = cellVersions(row.id, off);
    var lines = [row.name + ' · ' + DATA.tps[curTp] + ' offset ' + off];
    if (!vs.length) lines.push('never written on this replica');
    vs.forEach(function (ver) {
      lines.push(quote(STR[DATA.verVal[ver]], 80) + ' · leader epoch ' + verEp(ver) + ' · appended ' + fmtTime(verTa(ver)) +
        (verTt[ver] !== Infinity ? ' · truncated ' + fmtTime(verTt[ver]) + ' (' + str(verWhy[ver]) + ')' : ' · still there at the end') +
        (isFocusVersion(ver) ? '  ★ lost record' : ''));
    });
    showTip(lines, e.clientX, e.clientY);
    return { row: row, off: off };
  }
  function initGrid() {
    if (CHECK) return;
    gridRows();
    GR.scroller.addEventListener('scroll', function () { hideTip(); queueRedraw(); });
    GR.scroller.addEventListener('mousemove', gridHover);
    GR.scroller.addEventListener('mouseleave', hideTip);
    GR.scroller.addEventListener('click', function (e) {
      var hit = gridHover(e);
      if (!hit) return;
      dumpBroker = hit.row.id;
      renderSnapshot();
      scrollDumpTo(hit.off);
    });
    if (FOCUS && FOCUS.offset >= 0) GR.scroller.scrollLeft = Math.max(0, FOCUS.offset * G_COL - (GR.scroller.clientWidth - G_LABEL) / 2);
  }

  // ---------------------------------------------------------------- the cluster at the scrubbed moment
  function topicConfigs() {
    var out = [];
    DATA.config.forEach(function (kv) {
      if (kv[0] === 'min.insync.replicas' || kv[0] === 'unclean.leader.election.enable' || kv[0] === 'cleanup.policy') out.push(kv[0] + '=' + kv[1]);
    });
    return out.join(',');
  }
  function renderDescribe() {
    var pre = $('describe');
    pre.replaceChildren();
    var topic = DATA.tpTopic[curTp];
    pre.appendChild(el('span', 'prompt', '$ kafka-topics.sh --bootstrap-server localhost:9092 --describe --topic ' + topic + '\n'));
    var tps = [];
    for (var j = 0; j < DATA.tps.length; j++) if (DATA.tpTopic[j] === topic) tps.push(j);
    var rows = tps.map(function (j) { return [j, partitionAt(j, scrubT)]; }).filter(function (x) { return x[1] >= 0; });
    if (!rows.length) {
      pre.appendChild(el('span', '', "Error while executing topic command : Topic '" + topic + "' does not exist as expected\n"));
      return;
    }
    var rf = listOf(DATA.part.replicas[rows[0][1]]).split(',').filter(Boolean).length;
    pre.appendChild(el('span', '', 'Topic: ' + topic + '\tPartitionCount: ' + tps.length + '\tReplicationFactor: ' + rf + '\tConfigs: ' + topicConfigs() + '\n'));
    rows.forEach(function (x) {
      var r = x[1];
      var line = '\tTopic: ' + topic + '\tPartition: ' + DATA.tpPartition[x[0]] + '\tLeader: ' + (DATA.part.leader[r] < 0 ? 'none' : DATA.part.leader[r]) +
        '\tReplicas: ' + listOf(DATA.part.replicas[r]) + '\tIsr: ' + listOf(DATA.part.isr[r]) + '\tElr: ' + listOf(DATA.part.elr[r]) + '\tLastKnownElr: ';
      pre.appendChild(el('span', '', line + '\n'));
    });
    var down = DATA.controllers.filter(function (c) { return !nodeStateAt(c.id, scrubT).up; });
    if (down.length) pre.appendChild(el('span', 'note', '# the controller is down: this is the last metadata it committed\n'));
  }
  function renderReplicaTable() {
    var body = $('replica-rows');
    body.replaceChildren();
    var pr = partitionAt(curTp, scrubT);
    var isr = pr >= 0 ? listOf(DATA.part.isr[pr]).split(',') : [];
    DATA.brokers.forEach(function (br) {
      var r = replicaAt(curTp, br.id, scrubT), ns = nodeStateAt(br.id, scrubT);
      var holds = '';
      if (FOCUS && curTp === FOCUS.tp) {
        var vb = (verBy[FOCUS.tp] || {})[br.id];
        if (vb) for (var z = 0; z < vb.list.length; z++) if (isFocusVersion(vb.list[z]) && liveAt(vb.list[z], scrubT)) holds = 'yes, offset ' + verOff[vb.list[z]];
      }
      var tr = el('tr', (ns.up ? '' : 'down') + (holds ? ' holds' : ''));
      tr.appendChild(el('td', '', br.name));
      tr.appendChild(el('td', '', ns.up ? 'up' : 'down' + (ns.cause ? ' (' + ns.cause + ')' : '')));
      tr.appendChild(el('td', r ? 'role-' + ROLE[r.role] : '', r ? ROLE[r.role] : '—'));
      tr.appendChild(el('td', 'num', r ? r.ep : '—'));
      tr.appendChild(el('td', 'num', r ? r.hw : '—'));
      tr.appendChild(el('td', 'num', r ? r.leo : '—'));
      tr.appendChild(el('td', '', isr.indexOf(String(br.id)) >= 0 ? 'yes' : 'no'));
      if (FOCUS) tr.appendChild(el('td', '', holds || 'no'));
      body.appendChild(tr);
    });
    $('holds-head').hidden = !FOCUS;
    if (FOCUS) $('holds-head').textContent = 'Holds ' + quote(FOCUS.value, 24);
  }
  // kafka-dump-log, virtualised: a list of {text, cls} rows drawn into a pool of divs.
  var DUMP = { lines: [], pool: [], rowH: 18 };
  function dumpLines(br) {
    var lines = [];
    var tpName = DATA.tps[curTp];
    var file = '/var/lib/kafka/data/' + tpName + '/00000000000000000000.log';
    lines.push({ text: '$ kafka-dump-log.sh --print-data-log --files ' + file, cls: 'meta' });
    var ns = nodeStateAt(br, scrubT);
    if (!ns.up) lines.push({ text: '# ' + brokerName(br) + ' is down (' + ns.cause + '): the log as it is on disk', cls: 'hw' });
    lines.push({ text: 'Dumping ' + file, cls: 'meta' });
    var vb = (verBy[curTp] || {})[br];
    var live = [];
    if (vb) for (var j = 0; j < vb.list.length; j++) if (liveAt(vb.list[j], scrubT)) live.push(vb.list[j]);
    if (!live.length) { lines.push({ text: '# no records on ' + brokerName(br) + ' at ' + fmtTime(scrubT), cls: 'hw' }); return lines; }
    lines.push({ text: 'Log starting offset: ' + verOff[live[0]], cls: 'meta' });
    var r = replicaAt(curTp, br, scrubT), hw = r ? r.hw : -1, hwShown = false;
    for (var q = 0; q < live.length; q++) {
      var x = live[q], bIdx = verBatch[x];
      if (!hwShown && hw >= 0 && verOff[x] >= hw) {
        lines.push({ text: '# ──── high watermark ' + hw + ': records below are not committed ────', cls: 'hw' });
        hwShown = true;
      }
      if (q === 0 || verBatch[live[q - 1]] !== bIdx) {
        var endQ = q;
        while (endQ + 1 < live.length && verBatch[live[endQ + 1]] === bIdx) endQ++;
        lines.push({
          text: 'baseOffset: ' + verOff[x] + ' lastOffset: ' + verOff[live[endQ]] + ' count: ' + (endQ - q + 1) +
            ' partitionLeaderEpoch: ' + verEp(x),
          cls: 'batch', off: verOff[x],
        });
      }
      lines.push({ text: '| offset: ' + verOff[x] + ' payload: ' + STR[DATA.verVal[x]], cls: isFocusVersion(x) ? 'lost' : hwShown ? 'uncommitted' : '', off: verOff[x] });
    }
    if (!hwShown && hw >= 0) lines.push({ text: '# ──── high watermark ' + hw + ' (log end offset ' + (verOff[live[live.length - 1]] + 1) + ') ────', cls: 'hw' });
    return lines;
  }
  function renderDump() {
    var box = $('dumplog');
    var spacer = $('dumplog-spacer');
    spacer.style.height = DUMP.lines.length * DUMP.rowH + 'px';
    var first = Math.max(0, Math.floor(box.scrollTop / DUMP.rowH) - 2);
    var count = Math.ceil(box.clientHeight / DUMP.rowH) + 5;
    while (DUMP.pool.length < count) { var d = el('div', 'row'); spacer.appendChild(d); DUMP.pool.push(d); }
    for (var j = 0; j < DUMP.pool.length; j++) {
      var row = DUMP.pool[j], n = first + j;
      if (j >= count || n >= DUMP.lines.length) { row.hidden = true; continue; }
      row.hidden = false;
      row.className = 'row ' + DUMP.lines[n].cls;
      row.style.top = n * DUMP.rowH + 'px';
      row.textContent = DUMP.lines[n].text;
    }
  }
  function scrollDumpTo(off) {
    for (var j = 0; j < DUMP.lines.length; j++) {
      if (DUMP.lines[j].off === off) { $('dumplog').scrollTop = Math.max(0, (j - 4) * DUMP.rowH); break; }
    }
    renderDump();
  }
  function renderDumpTabs() {
    var tabs = $('dump-tabs');
    tabs.replaceChildren(el('span', 'muted', 'kafka-dump-log on: '));
    DATA.brokers.forEach(function (br) {
      var bt = el('button', br.id === dumpBroker ? 'on' : '', br.name);
      bt.addEventListener('click', function () { dumpBroker = br.id; renderSnapshot(); if (FOCUS) scrollDumpTo(FOCUS.offset); });
      tabs.appendChild(bt);
    });
  }
  function renderSnapshot() {
    if (CHECK) return;
    $('scrub-time').textContent = fmtTime(scrubT);
    renderDescribe();
    renderReplicaTable();
    renderDumpTabs();
    var keep = $('dumplog').scrollTop;
    DUMP.lines = dumpLines(dumpBroker);
    $('dumplog').scrollTop = keep;
    renderDump();
    markStoryStep();
  }
  function setScrub(t) {
    scrubT = Math.max(START, Math.min(END, t));
    $('scrubber').value = String(scrubT);
    renderSnapshot();
    queueRedraw();
  }
  function initSnapshot() {
    if (CHECK) { $('snapshot-card').hidden = true; return; }
    var range = $('scrubber');
    range.min = String(START); range.max = String(END); range.step = '1';
    range.value = String(scrubT);
    range.addEventListener('input', function () { setScrub(Number(range.value)); });
    function stepTo(dir) {
      var k = lowerBound(stops, scrubT);
      var next = dir > 0 ? (stops[k] === scrubT ? stops[k + 1] : stops[k]) : stops[k - 1];
      if (next !== undefined) setScrub(next);
    }
    $('prev-event').addEventListener('click', function () { stepTo(-1); });
    $('next-event').addEventListener('click', function () { stepTo(1); });
    range.addEventListener('keydown', function (e) {
      if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') {
        e.preventDefault();
        if (e.shiftKey) setScrub(scrubT + (e.key === 'ArrowLeft' ? -1 : 1) * (END - START) / 100);
        else stepTo(e.key === 'ArrowLeft' ? -1 : 1);
      }
    });
    $('dumplog').addEventListener('scroll', renderDump);
    if (DATA.tps.length > 1) {
      var sel = $('tp-select');
      sel.hidden = false;
      DATA.tps.forEach(function (name, j) { var o = el('option', '', name); o.value = String(j); sel.appendChild(o); });
      sel.value = String(curTp);
      sel.addEventListener('change', function () { curTp = Number(sel.value); buildLanes(); tlLayout(); gridRows(); renderSnapshot(); queueRedraw(); });
    }
  }

  // ---------------------------------------------------------------- schedule, command, details
  function renderFaults() {
    if (CHECK || !DATA.faults.length) { $('faults-card').hidden = CHECK; if (!CHECK) $('faults-empty').hidden = false; return; }
    var body = $('fault-rows');
    DATA.faults.forEach(function (f) {
      var tr = el('tr');
      tr.appendChild(el('td', 'num', f.id));
      tr.appendChild(el('td', '', f.description + (f.beyondPromise ? '  (beyond what Kafka promises)' : '')));
      tr.appendChild(el('td', '', f.trigger));
      tr.appendChild(el('td', 'num', f.startUs >= 0 ? fmtTime(f.startUs) : '—'));
      tr.appendChild(el('td', 'num', f.endUs >= 0 ? fmtTime(f.endUs) : 'never healed'));
      tr.title = 'Show the cluster when it starts';
      tr.addEventListener('click', function () { if (f.startUs >= 0) setScrub(f.startUs); });
      body.appendChild(tr);
    });
  }
  function renderCommand() {
    $('command-line').textContent = DATA.command || '(no command recorded)';
    var btn = $('copy-command');
    btn.hidden = !DATA.command;
    btn.addEventListener('click', function () {
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(DATA.command).then(function () { btn.textContent = 'Copied'; }, function () { btn.textContent = 'Select and copy'; });
      }
    });
  }
  function renderDetails() {
    var list = $('anomalies');
    DATA.anomalies.forEach(function (a) {
      var d = el('div', 'anomaly' + (a.informational ? ' informational' : ''));
      d.appendChild(el('span', 'kind', a.kind + (a.expected ? ' (expected)' : a.informational ? ' (figure)' : '')));
      d.appendChild(el('span', '', a.explanation));
      if (a.details) d.appendChild(el('div', 'details', a.details));
      list.appendChild(d);
    });
    if (!DATA.anomalies.length) list.appendChild(el('p', 'muted', 'none'));
    var body = $('config-rows');
    DATA.config.forEach(function (kv) {
      var tr = el('tr');
      tr.appendChild(el('td', 'num', kv[0]));
      tr.appendChild(el('td', 'num', kv[1]));
      body.appendChild(tr);
    });
    $('config-block').hidden = !DATA.config.length;
  }

  // ---------------------------------------------------------------- start
  renderHeader();
  renderStory();
  renderCex();
  initSnapshot();
  initTimeline();
  if (!CHECK) $('logs-card').hidden = false;
  initGrid();
  renderFaults();
  renderCommand();
  renderDetails();
  renderSnapshot();
  if (!CHECK && FOCUS) scrollDumpTo(FOCUS.offset);
  drawTimeline();
  drawGrid();

  /** Client rect of the replica-log cell (broker, offset), scrolled into view. */
  function gridCellBox(br, off) {
    var row = null;
    GR.rows.forEach(function (r) { if (r.id === br) row = r; });
    if (!row) return null;
    var W = GR.scroller.clientWidth;
    var x = G_LABEL + off * G_COL - GR.scroller.scrollLeft;
    if (x < G_LABEL || x + G_COL > W) { GR.scroller.scrollLeft = Math.max(0, off * G_COL - (W - G_LABEL) / 2); drawGrid(); }
    var rect = GR.scroller.getBoundingClientRect();
    if (rect.top < 0 || rect.bottom > window.innerHeight) { GR.wrap.scrollIntoView({ block: 'center' }); rect = GR.scroller.getBoundingClientRect(); }
    return { x: rect.left + G_LABEL + off * G_COL - GR.scroller.scrollLeft, y: rect.top + row.y, width: G_COL, height: row.h };
  }
  /** Client rect of a broker's timeline lane over time [t0, t1], scrolled into view. */
  function brokerLaneBox(br) {
    var li = -1;
    for (var j = 0; j < TL.lanes.length; j++) if (TL.lanes[j].kind === 'broker' && TL.lanes[j].id === br) li = j;
    if (li < 0) return null;
    var rect = TL.scroller.getBoundingClientRect();
    if (rect.top < 0 || rect.bottom > window.innerHeight) { TL.wrap.scrollIntoView({ block: 'center' }); rect = TL.scroller.getBoundingClientRect(); }
    var view = tlView();
    return { x: rect.left + LABEL_W, y: rect.top + AXIS_H + TL.laneY[li] - view.yOff, width: view.W - LABEL_W, height: TL.lanes[li].h, t0: view.t0, t1: view.t1 };
  }

  /** For tests and for the browser console: read-only views and a few actions. */
  window.gregorReport = {
    data: DATA,
    time: function () { return scrubT; },
    setTime: setScrub,
    revealOp: revealOp,
    gridCellBox: gridCellBox,
    brokerLaneBox: brokerLaneBox,
    dumpText: function () { return DUMP.lines.map(function (l) { return l.text; }).join('\n'); },
    describeText: function () { return $('describe').textContent; },
    showRange: showRange,
  };
  document.body.dataset.ready = '1';
})();
