/*
 * The review page's script (gp-report). It reads the JSON data embedded once in the page
 * (lib/report_data.c describes it), renders findings, variant clusters and duplicates
 * a page of rows at a time, keeps the curator's choices in localStorage under a key
 * that names this report, and writes them with the decisions already in the file as a
 * decisions file (gpkit/decisions.h) to download.
 *
 * Every value comes from an untrusted dump: it only ever reaches the page through
 * textContent or createTextNode, never as markup. This file must not contain the two
 * characters that would end its script element (a less-than sign followed by a slash).
 */
(function () {
  'use strict';

  var PAGE = 200;     /* findings rows added by each "Show more" */
  var CARDS = 25;     /* clusters and pairs added by each "Show more" */
  var dataEl = document.getElementById('gp-data');
  var D = JSON.parse(dataEl.textContent);
  if (window.performance && performance.mark) performance.mark('gp-data-parsed');
  var KEY = 'gpkit-report:' + dataEl.getAttribute('data-key');
  var LEVELS = D.levels;
  var F = D.findings;
  var FILE_DEC = D.decisions || { file: null, merge: [], distinct: [], fixes: [] };

  /* ---- building the page, by DOM calls only ---- */

  function $(id) { return document.getElementById(id); }

  function txt(s) { return document.createTextNode(s === null || s === undefined ? '' : String(s)); }

  /* h('td', {class: 'x', text: 'shown as text'}, [child, 'text', ...]) */
  function h(tag, attrs, children) {
    var e = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        if (k === 'text') e.textContent = attrs[k];
        else if (attrs[k] !== null && attrs[k] !== undefined && attrs[k] !== false) e.setAttribute(k, attrs[k]);
      });
    }
    (children || []).forEach(function (c) {
      if (c === null || c === undefined) return;
      e.appendChild(typeof c === 'string' || typeof c === 'number' ? txt(c) : c);
    });
    return e;
  }

  function clear(e) { while (e.firstChild) e.removeChild(e.firstChild); }

  function plural(n, one, many) { return n + ' ' + (n === 1 ? one : many); }

  function fileName(i) { return i === null || i === undefined ? '' : D.files[i]; }

  function placeOf(f) {
    var s = fileName(f[2]);
    if (f[3]) s += ':' + f[3];
    if (f[3] && f[4]) s += ':' + f[4];
    return s;
  }

  function fieldText(v) {
    if (v === null || v === undefined) return '';
    if (Array.isArray(v)) {
      return v.map(function (x) {
        if (x && typeof x === 'object') return (x.file || '') + (x.line ? ':' + x.line : '');
        return String(x);
      }).join('\n');
    }
    return String(v);
  }

  /* ---- word-level differences ---- */

  function tokens(s) { return s.split(/(\s+)/).filter(function (t) { return t !== ''; }); }

  /* Operations turning a into b: ['=', text], ['-', text], ['+', text]. */
  function diff(a, b) {
    var x = tokens(a), y = tokens(b), n = x.length, m = y.length;
    if (n * m > 4000000) return [['-', a], ['+', b]];
    var i, j, w = m + 1, L = new Uint32Array((n + 1) * w);
    for (i = n - 1; i >= 0; i--) {
      for (j = m - 1; j >= 0; j--) {
        L[i * w + j] = x[i] === y[j] ? L[(i + 1) * w + j + 1] + 1
          : Math.max(L[(i + 1) * w + j], L[i * w + j + 1]);
      }
    }
    var ops = [];
    function push(op, t) {
      var last = ops[ops.length - 1];
      if (last && last[0] === op) last[1] += t; else ops.push([op, t]);
    }
    i = 0; j = 0;
    while (i < n && j < m) {
      if (x[i] === y[j]) { push('=', x[i]); i++; j++; }
      else if (L[(i + 1) * w + j] >= L[i * w + j + 1]) push('-', x[i++]);
      else push('+', y[j++]);
    }
    while (i < n) push('-', x[i++]);
    while (j < m) push('+', y[j++]);
    return ops;
  }

  /* One side of a difference: 'a' shows removed words struck, 'b' inserted words underlined. */
  function diffSide(ops, side) {
    var frag = document.createDocumentFragment();
    ops.forEach(function (op) {
      if (op[0] === '=') frag.appendChild(txt(op[1]));
      else if (op[0] === '-' && side === 'a') frag.appendChild(h('del', { text: op[1] }));
      else if (op[0] === '+' && side === 'b') frag.appendChild(h('ins', { text: op[1] }));
    });
    return frag;
  }

  /* ---- the curator's choices ---- */

  function loadState() {
    try {
      var s = JSON.parse(window.localStorage.getItem(KEY) || 'null');
      if (s && typeof s === 'object') return { pairs: s.pairs || {}, fixes: s.fixes || {} };
    } catch (e) { /* no storage (private mode, file: restrictions): choices last the visit */ }
    return { pairs: {}, fixes: {} };
  }
  var state = loadState();

  function saveState() {
    try { window.localStorage.setItem(KEY, JSON.stringify(state)); } catch (e) { /* see loadState */ }
    updateDecisions();
  }

  function pairKey(a, b) { return a < b ? a + ' ' + b : b + ' ' + a; }

  /* 'same' or 'different' when the decisions file already says so, else null. */
  function fileVerdict(a, b) {
    function has(list) {
      return list.some(function (d) { return d.ids.indexOf(a) >= 0 && d.ids.indexOf(b) >= 0; });
    }
    if (has(FILE_DEC.merge)) return 'same';
    if (has(FILE_DEC.distinct)) return 'different';
    return null;
  }

  var fileFixed = {};
  FILE_DEC.fixes.forEach(function (d) {
    d.fields.forEach(function (f) { fileFixed[d.id + ' ' + f[0]] = true; });
  });

  function fixField(f) { return f[6] ? f[6].split('/')[1] : null; }

  /* Whether the dataset's record still has the value a finding proposes to fix (a merged
     record may have kept another source's text, gp-norm may have fixed it already). */
  function holdsValue(f) {
    var rec = D.records[f[11]], v = rec ? rec[fixField(f)] : null;
    if (Array.isArray(v)) return v.indexOf(f[7]) >= 0;
    if (typeof v === 'number') return String(v) === f[7];
    return typeof v === 'string' && v.indexOf(f[7]) >= 0;
  }

  /* ---- findings ---- */

  var fsel = { sort: 'rule', dir: 1, shown: PAGE };
  var filtered = [];
  var groupCount = {};

  var comparators = {
    place: function (a, b) {
      var x = F[a], y = F[b];
      var fa = fileName(x[2]), fb = fileName(y[2]);
      if (fa !== fb) return fa < fb ? -1 : 1;
      return (x[3] || 0) - (y[3] || 0) || (x[4] || 0) - (y[4] || 0) || a - b;
    },
    level: function (a, b) { return F[b][1] - F[a][1] || comparators.place(a, b); },
    rule: function (a, b) {
      var ra = D.rules[F[a][0]][0], rb = D.rules[F[b][0]][0];
      if (ra !== rb) return ra < rb ? -1 : 1;
      return comparators.place(a, b);
    },
    record: function (a, b) {
      var ra = F[a][5] || '', rb = F[b][5] || '';
      if (ra !== rb) return ra < rb ? -1 : 1;
      return comparators.place(a, b);
    },
    country: function (a, b) {
      var ca = F[a][10] === null ? '' : D.countries[F[a][10]];
      var cb = F[b][10] === null ? '' : D.countries[F[b][10]];
      if (ca !== cb) return ca < cb ? -1 : 1;
      return comparators.place(a, b);
    }
  };

  function filterFindings() {
    var rule = $('f-rule').value, level = $('f-level').value, file = $('f-file').value;
    var country = $('f-country').value, fixable = $('f-fixable').checked;
    var words = $('f-text').value.toLowerCase().split(/\s+/).filter(Boolean);
    filtered = [];
    groupCount = {};
    for (var i = 0; i < F.length; i++) {
      var f = F[i];
      if (rule !== '' && f[0] !== +rule) continue;
      if (level !== '' && f[1] !== +level) continue;
      if (file !== '' && f[2] !== +file) continue;
      if (country !== '' && f[10] !== +country) continue;
      if (fixable && f[8] === null) continue;
      if (words.length) {
        var hay = [f[9], f[7], f[8], f[5], fileName(f[2]), D.rules[f[0]][0]].join(' ').toLowerCase();
        if (!words.every(function (w) { return hay.indexOf(w) >= 0; })) continue;
      }
      filtered.push(i);
      groupCount[f[0]] = (groupCount[f[0]] || 0) + 1;
    }
    var cmp = comparators[fsel.sort];
    filtered.sort(function (a, b) { return fsel.dir * cmp(a, b); });
    fsel.shown = PAGE;
    renderFindings();
  }

  function fixCell(i) {
    var f = F[i], td = h('td');
    if (f[8] === null) return td;
    var field = fixField(f);
    if (f[5] && fileFixed[f[5] + ' ' + field]) {
      td.appendChild(h('span', { 'class': 'decided', text: 'fixed in the decisions file' }));
      return td;
    }
    if (f[11] === null) {
      td.appendChild(h('span', { 'class': 'note', text: 'no dataset record to fix' }));
      return td;
    }
    if (!holdsValue(f)) {
      td.appendChild(h('span', { 'class': 'note', text: 'the dataset\u2019s value no longer has it' }));
      return td;
    }
    var on = !!state.fixes[i];
    var b = h('button', { type: 'button', 'class': 'accept', 'aria-pressed': on ? 'true' : 'false',
                          'data-finding': String(i) }, [on ? 'Fix accepted' : 'Accept fix']);
    b.addEventListener('click', function () {
      if (state.fixes[i]) delete state.fixes[i]; else state.fixes[i] = true;
      var now = !!state.fixes[i];
      b.setAttribute('aria-pressed', now ? 'true' : 'false');
      b.textContent = now ? 'Fix accepted' : 'Accept fix';
      saveState();
    });
    td.appendChild(b);
    return td;
  }

  function findingRow(i) {
    var f = F[i];
    var what = h('td', null, [f[9]]);
    if (f[7] !== null) {
      what.appendChild(h('br'));
      what.appendChild(txt('value: '));
      what.appendChild(h('span', { 'class': 'value', text: f[7] }));
    }
    if (f[8] !== null) {
      what.appendChild(txt(' \u2192 fix: '));
      what.appendChild(h('span', { 'class': 'value', text: f[8] }));
    }
    var lvl = LEVELS[f[1]];
    return h('tr', { 'data-finding': String(i) }, [
      h('td', null, [h('code', { text: placeOf(f) })]),
      h('td', null, [h('span', { 'class': 'level level-' + lvl, text: lvl })]),
      h('td', null, [h('code', { text: D.rules[f[0]][0] })]),
      h('td', null, [f[5] ? h('code', { text: f[5] }) : null]),
      h('td', { text: f[10] === null ? '' : D.countries[f[10]] }),
      what,
      fixCell(i)
    ]);
  }

  function renderFindings() {
    var table = $('findings-table');
    if (!table) return;
    var body = table.tBodies[0];
    clear(body);
    var n = Math.min(fsel.shown, filtered.length), lastRule = -1;
    var frag = document.createDocumentFragment();
    for (var k = 0; k < n; k++) {
      var i = filtered[k];
      if (fsel.sort === 'rule' && F[i][0] !== lastRule) {
        lastRule = F[i][0];
        var r = D.rules[lastRule];
        frag.appendChild(h('tr', { 'class': 'group' }, [
          h('th', { scope: 'rowgroup', colspan: '7' }, [
            h('code', { text: r[0] }), ' \u2014 ' + (r[1] || '') + ' (' + plural(groupCount[lastRule], 'finding', 'findings') + ')'])]));
      }
      frag.appendChild(findingRow(i));
    }
    body.appendChild(frag);
    $('findings-status').textContent = 'Showing ' + n + ' of ' + plural(filtered.length, 'finding', 'findings') +
      (filtered.length !== F.length ? ' that match the filters (' + F.length + ' in all)' : '') + '.';
    $('findings-more').hidden = n >= filtered.length;
  }

  function setupFindings() {
    if (!$('findings-table')) return;
    var timer = null;
    ['f-rule', 'f-level', 'f-file', 'f-country', 'f-fixable'].forEach(function (id) {
      $(id).addEventListener('change', filterFindings);
    });
    $('f-text').addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(filterFindings, 200);
    });
    $('findings-more').addEventListener('click', function () {
      fsel.shown += PAGE;
      renderFindings();
    });
    Array.prototype.forEach.call(document.querySelectorAll('button.sort'), function (b) {
      b.addEventListener('click', function () {
        var key = b.getAttribute('data-sort');
        fsel.dir = fsel.sort === key ? -fsel.dir : 1;
        fsel.sort = key;
        Array.prototype.forEach.call(document.querySelectorAll('th[aria-sort]'), function (th) {
          th.setAttribute('aria-sort', 'none');
        });
        b.parentNode.setAttribute('aria-sort', fsel.dir > 0 ? 'ascending' : 'descending');
        filterFindings();
      });
    });
    Array.prototype.forEach.call(document.querySelectorAll('button.show-rule'), function (b) {
      b.addEventListener('click', function () {
        $('f-rule').value = b.getAttribute('data-rule');
        filterFindings();
        $('f-rule').focus();
        $('findings-status').scrollIntoView();
      });
    });
    var th = document.querySelector('button.sort[data-sort="rule"]');
    if (th) th.parentNode.setAttribute('aria-sort', 'ascending');
    filterFindings();
  }

  /* ---- lists of cards, shown a page at a time ---- */

  function lazyList(id, items, render, what) {
    var list = $(id + '-list'), more = $(id + '-more'), status = $(id + '-status');
    if (!list) return;
    var shown = 0;
    function draw() {
      var frag = document.createDocumentFragment();
      var end = Math.min(shown + CARDS, items.length);
      for (; shown < end; shown++) frag.appendChild(render(items[shown], shown));
      list.appendChild(frag);
      status.textContent = items.length ? 'Showing ' + shown + ' of ' + plural(items.length, what[0], what[1]) + '.'
        : 'No ' + what[1] + '.';
      more.hidden = shown >= items.length;
    }
    more.addEventListener('click', draw);
    draw();
  }

  function variantCard(v) {
    var f = F[v.finding];
    var title = v.kind + ' variants' + (v.scope ? ' in ' + v.scope : '');
    var rows = v.members.map(function (m) {
      return h('tr', null, [h('th', { scope: 'row' }, [h('span', { 'class': 'value', text: m[0] })]),
        h('td', { text: String(m[1]) }), h('td', { text: m[2] ? 'yes' : 'no' })]);
    });
    var pre = h('pre', { 'class': 'yaml', tabindex: '0', text: v.yaml });
    var copy = h('button', { type: 'button' }, ['Copy the rule entry']);
    copy.addEventListener('click', function () {
      function select() {
        var r = document.createRange();
        r.selectNodeContents(pre);
        var s = window.getSelection();
        s.removeAllRanges();
        s.addRange(r);
        copy.textContent = 'Selected: press Ctrl+C';
      }
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(v.yaml).then(function () { copy.textContent = 'Copied'; }, select);
      } else select();
    });
    return h('article', { 'class': 'card variant' }, [
      h('h4', { text: title }),
      h('p', null, ['Suggested canonical form: ', h('strong', null, [h('span', { 'class': 'value', text: v.suggestion })]),
        f ? ' \u2014 first at ' : '', f ? h('code', { text: placeOf(f) }) : null]),
      h('table', null, [h('thead', null, [h('tr', null, [h('th', { scope: 'col', text: 'Spelling' }),
        h('th', { scope: 'col', text: 'Records' }), h('th', { scope: 'col', text: 'In the rules' })])]),
        h('tbody', null, rows)]),
      h('p', null, ['Rule entry (gp-lint --suggest) to paste under rules/: ', copy]),
      pre
    ]);
  }

  function partsText(link) {
    var parts = link.parts || {};
    var s = Object.keys(parts).sort().map(function (k) {
      var p = parts[k];
      if ('factor' in p) return k + ' \u00d7' + p.factor;
      return k + ' ' + p.similarity + ' (weight ' + p.weight + ')';
    });
    return 'score ' + link.score + ' (' + link.how + '): ' + s.join(', ');
  }

  var FIELDS = ['title', 'institution', 'country', 'country_code', 'region', 'implementation_year', 'award_year',
    'award', 'topics', 'priority_areas', 'description', 'jury_comment', 'sources'];

  /* A row per field with both values side by side, differences marked word by word. */
  function sideBySide(a, b, valA, valB, caption) {
    var rows = [];
    FIELDS.forEach(function (field) {
      var x = valA(field), y = valB(field);
      if (x === undefined && y === undefined) return;
      x = fieldText(x); y = fieldText(y);
      var same = x === y;
      var th = h('th', { scope: 'row' }, [field, same ? null : h('span', { 'class': 'mark', text: ' (differs)' })]);
      var ops = same ? null : diff(x, y);
      rows.push(h('tr', { 'class': same ? null : 'differs' }, [th,
        h('td', null, [same ? txt(x) : diffSide(ops, 'a')]),
        h('td', null, [same ? txt(y) : diffSide(ops, 'b')])]));
    });
    return h('table', { 'class': 'side' }, [h('caption', { text: caption }),
      h('thead', null, [h('tr', null, [h('th', { scope: 'col', text: 'Field' }),
        h('th', { scope: 'col' }, [h('code', { text: a })]), h('th', { scope: 'col' }, [h('code', { text: b })])])]),
      h('tbody', null, rows)]);
  }

  /* The value a cluster's conflicts give a record, when the dataset is not in the report. */
  function conflictValue(c, id, field) {
    var v;
    (c.conflicts || []).forEach(function (k) {
      if (k.field !== field) return;
      k.values.forEach(function (val) { if (val.ids.indexOf(id) >= 0) v = val.value; });
    });
    return v;
  }

  function possibleCard(c) {
    var a = c.id, b = c.other_id, ra = D.records[a], rb = D.records[b];
    var link = (c.links && c.links[0]) || { score: '?', how: 'review', parts: {} };
    var card = h('article', { 'class': 'card possible', 'data-pair': pairKey(a, b) });
    card.appendChild(h('h4', null, ['Possible duplicate: ', h('code', { text: a }), ' and ', h('code', { text: b })]));
    card.appendChild(h('p', { 'class': 'parts', text: partsText(link) }));
    if (c.note) card.appendChild(h('p', { 'class': 'note', text: c.note }));
    var valA, valB, caption;
    if (ra && rb) {
      valA = function (f) { return ra[f]; };
      valB = function (f) { return rb[f]; };
      caption = 'The two records, field by field: words only in the first struck through, words only in the second underlined.';
    } else {
      valA = function (f) { return conflictValue(c, a, f); };
      valB = function (f) { return conflictValue(c, b, f); };
      caption = 'The fields the two records disagree on (give the dataset to gp-report to see every field).';
    }
    card.appendChild(sideBySide(a, b, valA, valB, caption));
    card.appendChild(decideBox(a, b));
    return card;
  }

  function decideBox(a, b) {
    var box = h('div', { 'class': 'decide', role: 'group', 'aria-label': 'decision on ' + a + ' and ' + b });
    var inFile = fileVerdict(a, b);
    if (inFile) {
      box.appendChild(h('span', { 'class': 'decided', text: 'Decided in the decisions file: ' +
        (inFile === 'same' ? 'same practice' : 'different practices') }));
      return box;
    }
    var key = pairKey(a, b);
    var reasonId = 'reason-' + key.replace(/[^A-Za-z0-9]/g, '-');
    var same = h('button', { type: 'button', 'class': 'same' }, ['Same practice']);
    var different = h('button', { type: 'button', 'class': 'different' }, ['Different practices']);
    var reason = h('input', { type: 'text', id: reasonId, 'class': 'reason' });
    var status = h('span', { 'class': 'status', 'aria-live': 'polite' });
    function show() {
      var d = state.pairs[key];
      same.setAttribute('aria-pressed', d && d.verdict === 'same' ? 'true' : 'false');
      different.setAttribute('aria-pressed', d && d.verdict === 'different' ? 'true' : 'false');
      reason.value = d && d.reason ? d.reason : reason.value;
      status.textContent = d ? 'Decided here: ' + (d.verdict === 'same' ? 'same practice' : 'different practices') : 'Not decided';
    }
    function choose(verdict) {
      var d = state.pairs[key];
      if (d && d.verdict === verdict) delete state.pairs[key];
      else state.pairs[key] = { ids: [a, b], verdict: verdict, reason: reason.value.trim() };
      show();
      saveState();
    }
    same.addEventListener('click', function () { choose('same'); });
    different.addEventListener('click', function () { choose('different'); });
    reason.addEventListener('change', function () {
      if (state.pairs[key]) {
        state.pairs[key].reason = reason.value.trim();
        saveState();
      }
    });
    box.appendChild(same);
    box.appendChild(different);
    box.appendChild(h('label', { 'for': reasonId, text: 'Reason (optional)' }));
    box.appendChild(reason);
    box.appendChild(status);
    show();
    return box;
  }

  function sourcesText(m) {
    return (m.sources || []).map(function (s) { return s.file + ':' + s.line; }).join(', ');
  }

  function mergedCard(c) {
    var card = h('article', { 'class': 'card merged' });
    card.appendChild(h('h4', null, ['Merged into ', h('code', { text: c.id }), ' (' + plural(c.members.length, 'id', 'ids') + ')']));
    card.appendChild(h('ul', null, c.members.map(function (m) {
      return h('li', null, [h('code', { text: m.id }), ' \u2014 ' + plural(m.records, 'record', 'records') + ': ' + sourcesText(m)]);
    })));
    (c.links || []).forEach(function (l) {
      card.appendChild(h('p', { 'class': 'parts' }, [h('code', { text: l.ids.join(' + ') }), ' ' + partsText(l)]));
    });
    /* each disputed field side by side: the value kept first, then the others, each
       marked against the kept one (words it lacks struck, words it adds underlined) */
    (c.conflicts || []).forEach(function (k) {
      var kept = typeof k.kept === 'number' ? k.values[k.kept] : null;
      var values = kept ? [kept].concat(k.values.filter(function (v) { return v !== kept; })) : k.values;
      var base = values[0].value;
      var heads = values.map(function (v, i) {
        return h('th', { scope: 'col' }, [i === 0 && kept ? 'kept: ' : '', h('code', { text: v.ids.join(', ') })]);
      });
      var texts = values.map(function (v, i) {
        if (i === 0) {
          if (values.length !== 2) return h('td', { text: v.value });
          return h('td', null, [diffSide(diff(v.value, values[1].value), 'a')]);
        }
        return h('td', null, [diffSide(diff(base, v.value), 'b')]);
      });
      var sources = values.map(function (v) {
        return h('td', { text: (v.sources || []).map(function (s) { return s.file + ':' + s.line; }).join(', ') });
      });
      card.appendChild(h('table', { 'class': 'side' }, [
        h('caption', { text: k.field + ': the records disagree; ' + (kept ? 'the first value is the one kept' : 'none is kept') }),
        h('thead', null, [h('tr', null, [h('th', { scope: 'col', text: 'Field' })].concat(heads))]),
        h('tbody', null, [
          h('tr', { 'class': 'differs' }, [h('th', { scope: 'row' }, [k.field, h('span', { 'class': 'mark', text: ' (differs)' })])].concat(texts)),
          h('tr', null, [h('th', { scope: 'row', text: 'sources' })].concat(sources))])]));
    });
    return card;
  }

  /* ---- the decisions file ---- */

  /* A YAML double-quoted scalar: safe for any text. */
  function q(s) {
    var out = '"';
    for (var ch of String(s)) {
      var c = ch.codePointAt(0);
      if (ch === '"') out += '\\"';
      else if (ch === '\\') out += '\\\\';
      else if (ch === '\n') out += '\\n';
      else if (ch === '\t') out += '\\t';
      else if (ch === '\r') out += '\\r';
      else if (c < 0x20 || c === 0x7f || (c >= 0x80 && c < 0xa0)) out += '\\x' + (c < 16 ? '0' : '') + c.toString(16);
      else if (c === 0x2028) out += '\\L';
      else if (c === 0x2029) out += '\\P';
      else if (c === 0xfeff) out += '\\ufeff';
      else out += ch;
    }
    return out + '"';
  }

  function yamlValue(v) {
    if (v === null || v === undefined) return 'null';
    if (typeof v === 'number') return String(v);
    if (Array.isArray(v)) return '[' + v.map(q).join(', ') + ']';
    return q(v);
  }

  function clone(v) { return Array.isArray(v) ? v.slice() : v; }

  /* The fixes accepted in the page, one entry per record: new value and value seen. */
  function newFixes() {
    var byId = {}, order = [];
    Object.keys(state.fixes).map(Number).sort(function (x, y) { return x - y; }).forEach(function (i) {
      var f = F[i];
      if (!f || f[8] === null || f[11] === null || !D.records[f[11]] || !holdsValue(f)) return;
      var field = fixField(f), rec = D.records[f[11]];
      if (!(field in rec) || fileFixed[f[5] + ' ' + field]) return;
      var e = byId[f[5]];
      if (!e) { e = byId[f[5]] = { id: f[5], fields: {}, order: [], rules: [] }; order.push(f[5]); }
      if (!(field in e.fields)) { e.fields[field] = { was: clone(rec[field]), now: clone(rec[field]) }; e.order.push(field); }
      var slot = e.fields[field];
      if (Array.isArray(slot.now)) {
        var k = slot.now.indexOf(f[7]);
        var index = f[6].split('/')[2];
        if (k < 0 && index !== undefined && slot.now[+index] === f[7]) k = +index;
        if (k >= 0) slot.now[k] = f[8];
        slot.now = slot.now.filter(function (x, j) { return slot.now.indexOf(x) === j; });
      } else if (typeof slot.now === 'number' || /year$/.test(field)) {
        var y = parseInt(f[8], 10);
        slot.now = isNaN(y) ? null : y;
      } else if (typeof slot.now === 'string') {
        slot.now = slot.now.split(f[7]).join(f[8]);
      }
      var rule = D.rules[f[0]][0];
      if (e.rules.indexOf(rule) < 0) e.rules.push(rule);
    });
    return order.sort().map(function (id) { return byId[id]; });
  }

  function newPairs(verdict) {
    return Object.keys(state.pairs).sort().map(function (k) { return state.pairs[k]; })
      .filter(function (d) { return d.verdict === verdict && !fileVerdict(d.ids[0], d.ids[1]); });
  }

  function decisionsYaml() {
    var out = ['# Curator decisions (see gpkit/decisions.h), written by gp-report' +
      (FILE_DEC.file ? ' from ' + FILE_DEC.file.replace(/[\r\n]/g, ' ') + ' and the choices made in the page.' : ' from the choices made in the page.'),
      'gpkit: 1'];
    function idsEntries(title, fromFile, fromPage) {
      if (!fromFile.length && !fromPage.length) return;
      out.push(title + ':');
      fromFile.concat(fromPage).forEach(function (d) {
        out.push('  - ids: ' + yamlValue(d.ids));
        if (d.reason) out.push('    reason: ' + q(d.reason));
      });
    }
    idsEntries('merge', FILE_DEC.merge, newPairs('same'));
    idsEntries('distinct', FILE_DEC.distinct, newPairs('different'));
    var fixes = newFixes();
    if (FILE_DEC.fixes.length || fixes.length) {
      out.push('fixes:');
      FILE_DEC.fixes.forEach(function (d) {
        out.push('  - id: ' + q(d.id));
        if (d.reason) out.push('    reason: ' + q(d.reason));
        d.fields.forEach(function (f) { out.push('    ' + f[0] + ': ' + yamlValue(f[1])); });
        if (d.was && d.was.length) {  /* [[field, value seen], ...] when the data gives them */
          out.push('    was:');
          d.was.forEach(function (f) { out.push('      ' + f[0] + ': ' + yamlValue(f[1])); });
        }
      });
      fixes.forEach(function (e) {
        out.push('  - id: ' + q(e.id));
        out.push('    reason: ' + q('accepted fix for ' + e.rules.join(', ')));
        e.order.forEach(function (field) { out.push('    ' + field + ': ' + yamlValue(e.fields[field].now)); });
        out.push('    was:');
        e.order.forEach(function (field) { out.push('      ' + field + ': ' + yamlValue(e.fields[field].was)); });
      });
    }
    return out.join('\n') + '\n';
  }

  function updateDecisions() {
    var same = newPairs('same').length, different = newPairs('different').length, fixes = newFixes().length;
    $('decisions-status').textContent = 'New in this page: ' + plural(same, 'pair', 'pairs') + ' decided the same practice, ' +
      plural(different, 'pair', 'pairs') + ' decided different practices, ' + plural(fixes, 'record', 'records') + ' with accepted fixes.';
    $('decisions-yaml').textContent = decisionsYaml();
  }

  function setupDecisions() {
    $('download').addEventListener('click', function () {
      var blob = new Blob([decisionsYaml()], { type: 'application/yaml' });
      var url = URL.createObjectURL(blob);
      var a = h('a', { href: url, download: 'decisions.yaml', hidden: 'hidden' });
      document.body.appendChild(a);
      a.click();
      setTimeout(function () { URL.revokeObjectURL(url); a.parentNode.removeChild(a); }, 2000);
    });
    $('forget').addEventListener('click', function () {
      if (!window.confirm('Forget every choice made in this page for this report?')) return;
      state = { pairs: {}, fixes: {} };
      saveState();
      window.location.reload();
    });
    updateDecisions();
  }

  setupFindings();
  lazyList('variants', D.variants, variantCard, ['variant cluster', 'variant clusters']);
  lazyList('possible', D.possible, possibleCard, ['possible duplicate', 'possible duplicates']);
  /* groups that needed a decision of gpkit (a score, a conflict) before plain repeats */
  var merged = D.merged.map(function (c, i) { return [c, i]; }).sort(function (x, y) {
    var wx = (x[0].conflicts.length || x[0].links.length) ? 0 : 1;
    var wy = (y[0].conflicts.length || y[0].links.length) ? 0 : 1;
    return wx - wy || x[1] - y[1];
  }).map(function (p) { return p[0]; });
  lazyList('merged', merged, mergedCard, ['merged group', 'merged groups']);
  setupDecisions();
  if (window.performance && performance.mark) performance.mark('gp-rendered');
  document.documentElement.setAttribute('data-ready', 'true');
}());
