'use strict'
// Regression tests of issue 15: bad input to the Node binding is a typed KehuError (or reported
// by validation), never silently coerced. Messages name rows, columns and options, never values.
const test = require('node:test')
const assert = require('node:assert/strict')
const kehu = require('..')

/** Asserts that `f` throws a KehuError with `code` whose message matches every pattern. */
function throwsCode (f, code, ...patterns) {
  assert.throws(f, (e) => {
    assert.ok(e instanceof kehu.KehuError, `not a KehuError: ${e}`)
    assert.equal(e.code, code, e.message)
    for (const p of patterns) assert.match(e.message, p)
    return true
  })
}

const X = [[0, 0], [0, 1], [5, 5], [5, 6]]
const mapping = { customerId: 'c', timestamp: 't' }

test('numeric matrices: null, undefined, NaN, ±Infinity, non-numbers and ragged rows are errors with row and column', () => {
  const bad = [
    [null, 'DATA_WRONG_TYPE'], [undefined, 'DATA_WRONG_TYPE'], ['3', 'DATA_WRONG_TYPE'], [true, 'DATA_WRONG_TYPE'],
    [NaN, 'SEGMENT_INVALID_DATA'], [Infinity, 'SEGMENT_INVALID_DATA'], [-Infinity, 'SEGMENT_INVALID_DATA']
  ]
  const km = new kehu.KMeans({ nClusters: 2, seed: 1 }).fit(X)
  const gm = new kehu.GaussianMixture({ nComponents: 2, seed: 1 }).fit(X)
  for (const [v, code] of bad) {
    const rows = [[0, 0], [0, 1], [5, v], [5, 6]]
    const where = [/row 2/, /column 1/]
    throwsCode(() => new kehu.KMeans({ nClusters: 2 }).fit(rows), code, ...where)
    throwsCode(() => new kehu.MiniBatchKMeans({ nClusters: 2 }).fit(rows), code, ...where)
    throwsCode(() => new kehu.MiniBatchKMeans({ nClusters: 2 }).partialFit(rows), code, ...where)
    throwsCode(() => new kehu.GaussianMixture({ nComponents: 2 }).fit(rows), code, ...where)
    throwsCode(() => km.predict(rows), code, ...where)
    throwsCode(() => gm.predictProba(rows), code, ...where)
    throwsCode(() => gm.bic(rows), code, ...where)
    throwsCode(() => kehu.clusterScore('silhouette', rows, [0, 0, 1, 1]), code, ...where)
  }
  for (const rows of [[[0, 0], [1], [5, 5], [5, 6]], [[0, 0], [1, 1, 1], [5, 5], [5, 6]]]) {
    throwsCode(() => new kehu.KMeans({ nClusters: 2 }).fit(rows), 'DATA_LENGTH_MISMATCH', /row 1/, /columns/)
    throwsCode(() => new kehu.GaussianMixture({ nComponents: 2 }).fit(rows), 'DATA_LENGTH_MISMATCH', /row 1/)
    throwsCode(() => km.predict(rows), 'DATA_LENGTH_MISMATCH', /row 1/)
    throwsCode(() => kehu.clusterScore('silhouette', rows, [0, 0, 1, 1]), 'DATA_LENGTH_MISMATCH', /row 1/)
  }
  throwsCode(() => new kehu.KMeans({ nClusters: 2 }).fit([[0, 0], 'ab', [5, 5]]), 'DATA_WRONG_TYPE', /row 1/)
  // Rows of the wrong width for the model (once split into more rows silently).
  throwsCode(() => km.predict([[0, 0, 1, 1]]), 'SEGMENT_INVALID_OPTION', /4 columns/)
  throwsCode(() => gm.predictProba([[0, 0, 1, 1]]), 'SEGMENT_INVALID_OPTION', /4 columns/)
  // Given centres are a matrix too.
  throwsCode(() => new kehu.KMeans({ nClusters: 2, init: [[0, 0], [1]] }).fit(X), 'DATA_LENGTH_MISMATCH', /row 1 of 'init'/)
  // k-prototypes: null is a missing number (documented), other types are errors.
  const mixed = [[1, 'a'], [2, 'b'], [null, 'a'], [4, 'b']]
  const kp = new kehu.KPrototypes({ nClusters: 2, seed: 1 }).fit(mixed, { categorical: [1] })
  assert.equal(kp.labels.length, 4)
  // The core splits the rows (as it splits Python's columns): text that is not a number in a
  // numeric column, a ragged row and a value of another type name the row and column.
  throwsCode(() => new kehu.KPrototypes({ nClusters: 2 }).fit([[1, 'a'], ['x', 'b'], [3, 'a']], { categorical: [1] }),
    'SEGMENT_INVALID_DATA', /row 1/, /column 0/)
  throwsCode(() => new kehu.KPrototypes({ nClusters: 2 }).fit([[1, 'a'], [2], [3, 'a']], { categorical: [1] }),
    'SEGMENT_INVALID_DATA', /row 1/)
  throwsCode(() => new kehu.KPrototypes({ nClusters: 2 }).fit([[1, 'a'], [2, {}], [3, 'a']], { categorical: [1] }),
    'SEGMENT_INVALID_DATA', /row 1/, /column 1/)
  // Numeric text is a number, as in Python (numpy's astype(float), which kmodes applies).
  assert.deepEqual(new kehu.KPrototypes({ nClusters: 2, seed: 1 }).fit([['1', 'a'], ['2', 'b'], [null, 'a'], ['4', 'b']], { categorical: [1] }).labels, kp.labels)
  throwsCode(() => kp.predict([[1, 'a'], [Infinity, 'b']]), 'SEGMENT_INVALID_DATA', /row 1/)
  throwsCode(() => kp.predict([[1, { secret: 'x' }]]), 'SEGMENT_INVALID_DATA', /row 0/, /column 1/)
  throwsCode(() => new kehu.KPrototypes({ nClusters: 2 }).fit([], { categorical: [0] }), 'SEGMENT_INVALID_OPTION', /categorical/)
  throwsCode(() => new kehu.KPrototypes({ nClusters: 2 }).fit('rows', { categorical: [0] }), 'DATA_WRONG_TYPE', /'X'/)
  // Weights are checked as numbers, with the row.
  throwsCode(() => new kehu.KMeans({ nClusters: 2 }).fit(X, { sampleWeight: [1, null, 1, 1] }), 'DATA_WRONG_TYPE', /row 1/, /sampleWeight/)
})

test('misspelt option names are errors, not defaults', () => {
  throwsCode(() => new kehu.KMeans({ nClusterz: 3 }).fit(X), 'SEGMENT_INVALID_OPTION', /n_clusterz/)
  throwsCode(() => new kehu.KMeans({ nClusters: 2, init: { kind: 'k_means_parallel', round: 3 } }).fit(X), 'SEGMENT_INVALID_OPTION', /round/)
  throwsCode(() => new kehu.KMeans({ nClusters: 2, k: 3 }).fit(X), 'SEGMENT_INVALID_OPTION', /duplicate field .k./)
  throwsCode(() => new kehu.MiniBatchKMeans({ nClusters: 2, batchSise: 2 }).fit(X), 'SEGMENT_INVALID_OPTION', /batch_sise/)
  throwsCode(() => new kehu.MiniBatchKMeans({ nClusters: 2, algorithm: 'lloyd' }).fit(X), 'SEGMENT_INVALID_OPTION', /algorithm/)
  throwsCode(() => new kehu.GaussianMixture({ nComponent: 2 }).fit(X), 'SEGMENT_INVALID_OPTION', /n_component/)
  throwsCode(() => new kehu.KPrototypes({ nClusters: 2, gama: 1 }).fit([[1, 'a'], [2, 'b']], { categorical: [1] }), 'SEGMENT_INVALID_OPTION', /gama/)
  throwsCode(() => new kehu.KMeans({ nClusters: 2 }).fit(X, { sampleWeights: [1, 1, 1, 1] }), 'SEGMENT_INVALID_OPTION', /sampleWeights/)
  // camelCase names reach the core as its snake_case ones.
  const mb = new kehu.MiniBatchKMeans({ nClusters: 2, batchSize: 2, maxIter: 5, reassignmentRatio: 0.01, seed: 3 }).fit(X)
  assert.equal(mb.labels.length, 4)
  assert.equal(new kehu.KMeans({ nClusters: 2, maxIter: 1, nInit: 1 }).fit(X).nIter, 1)
  // JS-only option lists.
  const rows = { c: ['a', 'a'], t: ['2024-01-01', '2024-01-05'] }
  throwsCode(() => kehu.summarize(rows, mapping, { observationPeriodEnds: '2024-02-01' }), 'PROFILE_INVALID_OPTION', /observationPeriodEnds/)
  throwsCode(() => kehu.validate(rows, mapping, { alowReturns: true }), 'DATA_INVALID_OPTION', /alowReturns/)
  throwsCode(() => kehu.profile(rows, mapping, { topn: 2 }), 'PROFILE_INVALID_OPTION', /topn/)
  throwsCode(() => kehu.calibrationAndHoldout(rows, mapping, { calibrationPeriodEnd: '2024-01-02', freqMultiplyer: 7 }), 'PROFILE_INVALID_OPTION', /freqMultiplyer/)
  throwsCode(() => kehu.rfmScores([1, 2, 3], [1, 2, 3], [1, 2, 3], { bin: 3 }), 'SEGMENT_INVALID_OPTION', /'bin'/)
  throwsCode(() => kehu.portrait(['a'], [{ x: 1 }], { topp: 2 }), 'SEGMENT_INVALID_OPTION', /topp/)
  throwsCode(() => kehu.simulate({ customerz: 5 }), 'SIMULATE_INVALID_CONFIG', /customerz/)
  assert.equal(kehu.simulate({ customers: 5, acquisitionDays: 10, seed: 2 }).customers.length, 5)
  throwsCode(() => kehu.lifecycleStages([10], [1], { newDayz: 5 }), 'SEGMENT_INVALID_OPTION', /new_dayz/)
  const m = kehu.ValueModel.fit('bgnbd', [0, 1, 2, 3, 0, 5], [0, 10, 20, 25, 0, 28], [30, 30, 30, 30, 30, 30])
  throwsCode(() => kehu.ValueModel.fit('bgnbd', [0, 1], [0, 1], [2, 2], { penaliser: 0.1 }), 'VALUE_INVALID_OPTION', /penaliser/)
  const gg = kehu.ValueModel.fit('gamma_gamma', [1, 2, 3, 4, 2], [10, 20, 15, 30, 12])
  throwsCode(() => m.customerLifetimeValue(gg, [1], [10], [30], [20], { month: 3 }), 'VALUE_INVALID_OPTION', /unknown field `month`/, /expected one of `months`/)
  throwsCode(() => new kehu.IncrementalProfile().add('2024-01-01', 5, { categori: 'x' }), 'PROFILE_INVALID_OPTION', /categori/)
  throwsCode(() => new kehu.Audience({ a: { field: 'orders', op: '>=', value: 1 } }).evaluate({ asOf: '2024-02-01', transactions: rows, mapping, stict: true }),
    'SEGMENT_INVALID_OPTION', /stict/)
})

test('rfmScores({bins: 0}) is the core\'s error, not 5 bins', () => {
  throwsCode(() => kehu.rfmScores([1, 2, 3], [1, 2, 3], [1, 2, 3], { bins: 0 }), 'SEGMENT_INVALID_OPTION', /bins/)
  assert.deepEqual(kehu.rfmScores([1, 2, 3], [1, 2, 3], [1, 2, 3], { bins: 3 }).F, [1, 2, 3])
})

test('value predictions take numbers for one customer and return a number', () => {
  const sim = kehu.simulate({ customers: 300, seed: 1, dirtyRate: 0, returnRate: 0 })
  const w = kehu.summarize(sim.transactions, kehu.STANDARD_COLUMNS, { observationPeriodEnd: sim.observationEnd, freq: 'W' })
  const m = kehu.ValueModel.fit('bgnbd', w.frequency, w.recency, w.T)
  const gg = kehu.ValueModel.fit('gamma_gamma', [1, 2, 3, 4, 2], [10, 20, 15, 30, 12])
  const one = m.probabilityAlive(3, 25, 30)
  assert.equal(typeof one, 'number')
  assert.equal(one, m.probabilityAlive([3], [25], [30])[0])
  assert.equal(m.conditionalExpectedPurchases(10, 3, 25, 30), m.conditionalExpectedPurchases(10, [3], [25], [30])[0])
  assert.equal(m.conditionalProbabilityOfPurchases(1, 10, 3, 25, 30), m.conditionalProbabilityOfPurchases(1, 10, [3], [25], [30])[0])
  assert.equal(m.probabilityOfPurchases(1, 30), m.probabilityOfPurchases([1], 30)[0])
  assert.equal(m.customerLifetimeValue(gg, 3, 25, 30, 20), m.customerLifetimeValue(gg, [3], [25], [30], [20])[0])
  const pn = kehu.ValueModel.fit('pnbd', w.frequency, w.recency, w.T)
  assert.equal(pn.discountedExpectedResidualTransactions(0.01, 3, 25, 30), pn.discountedExpectedResidualTransactions(0.01, [3], [25], [30])[0])
  // Numbers mixed with arrays, and non-arrays such as text, are type errors (Array.from(3) was []).
  throwsCode(() => m.probabilityAlive(3, [25], 30), 'DATA_WRONG_TYPE', /all as numbers/)
  throwsCode(() => m.probabilityAlive('3', '2', '3'), 'DATA_WRONG_TYPE', /frequency/)
  throwsCode(() => m.probabilityAlive([3, null], [25, 1], [30, 30]), 'DATA_WRONG_TYPE', /row 1/, /frequency/)
  // An absent T is the core's error naming it, not zeros; a spend model takes none.
  throwsCode(() => kehu.ValueModel.fit('bgnbd', w.frequency, w.recency), 'VALUE_INVALID_OPTION', /'T'.*needs/)
  throwsCode(() => kehu.ValueModel.fit('gamma_gamma', [1, 2], [10, 20], [30, 30]), 'VALUE_INVALID_OPTION', /'T'/)
})

test('numeric timestamps need timestampUnit or datetimeFormat', () => {
  const iso = kehu.summarize({ c: ['a', 'a'], t: ['2024-01-01', '2024-01-11'] }, mapping)
  const secs = { c: ['a', 'a'], t: [1704067200, 1704931200] }
  throwsCode(() => kehu.summarize(secs, mapping), 'DATA_WRONG_TYPE', /column 't'/, /unit/)
  throwsCode(() => kehu.validate({ c: ['a'], t: [20240101] }, mapping), 'DATA_WRONG_TYPE', /format/)
  for (const [unit, scale] of [['s', 1], ['ms', 1e3], ['us', 1e6]]) {
    const s = kehu.summarize({ c: secs.c, t: secs.t.map((v) => v * scale) }, mapping, { timestampUnit: unit })
    assert.deepEqual(Array.from(s.T), Array.from(iso.T), unit)
  }
  const ymd = kehu.summarize({ c: ['a', 'a'], t: [20240101, 20240111] }, mapping, { datetimeFormat: '%Y%m%d' })
  assert.deepEqual(Array.from(ymd.T), Array.from(iso.T))
  const r = kehu.validate({ c: ['a', 'b'], t: [20240101, 20241301] }, mapping, { datetimeFormat: '%Y%m%d' })
  assert.deepEqual(r.rejected.map((x) => [x.row, x.field]), [[1, 'timestamp']])
  throwsCode(() => kehu.summarize(secs, mapping, { timestampUnit: 'sec' }), 'DATA_INVALID_OPTION', /unit/)
  throwsCode(() => kehu.summarize(secs, mapping, { timestampUnit: 's', datetimeFormat: '%Y%m%d' }), 'DATA_INVALID_OPTION', /not both/)
  throwsCode(() => kehu.summarize({ c: ['a', 'a'], t: ['2024-01-01', 1704931200] }, mapping, { timestampUnit: 's' }), 'DATA_WRONG_TYPE', /mixes/)
  throwsCode(() => kehu.summarize({ c: ['a'], t: [{}] }, mapping), 'DATA_WRONG_TYPE', /row 0/)
  // Dates stay accepted as they are.
  const dates = kehu.summarize({ c: ['a', 'a'], t: [new Date('2024-01-01T00:00:00Z'), new Date('2024-01-11T00:00:00Z')] }, mapping)
  assert.deepEqual(Array.from(dates.T), Array.from(iso.T))
})

test('object and array ids are type errors with the row, not one customer "[object Object]"', () => {
  const secret = { email: 'someone@example.com' }
  for (const ids of [[{ x: 1 }, { y: 2 }], [[1], [2]], ['a', secret]]) {
    const row = ids[0] === 'a' ? 1 : 0
    assert.throws(() => kehu.validate({ c: ids, t: ['2024-01-01', '2024-01-02'] }, mapping), (e) => {
      assert.equal(e.code, 'DATA_WRONG_TYPE')
      assert.match(e.message, new RegExp(`row ${row}`))
      assert.match(e.message, /'c'/)
      assert.doesNotMatch(e.message, /someone|object Object|"x"/)
      return true
    })
  }
  // The same for the other text columns and for customers of an audience.
  assert.throws(() => kehu.validate({ c: ['a'], t: ['2024-01-01'], k: [{}] }, { ...mapping, category: 'k' }), (e) => e.code === 'DATA_WRONG_TYPE' && /row 0/.test(e.message))
  const audience = new kehu.Audience({ a: { field: 'orders', op: '>=', value: 1 } })
  throwsCode(() => audience.evaluate({ asOf: '2024-02-01', customers: [{ customerId: secret }] }), 'DATA_WRONG_TYPE', /row 0/)
  // A customer without an id is the core's error, by row, as in Python.
  throwsCode(() => audience.evaluate({ asOf: '2024-02-01', customers: [{ name: 'x' }] }), 'DATA_INVALID_OPTION', /row 0 has no customer id/)
  throwsCode(() => audience.evaluate({ asOf: '2024-02-01', customers: [{ customerId: 'a' }], segments: { rfm: new Map([['a', 'x'], [null, 'y']]) } }),
    'SEGMENT_INVALID_DATA', /row 1.*customer id is missing/)
})

test('NaN, null and undefined ids are missing ids: rejected and reported, not customer "NaN"', () => {
  const r = kehu.validate({ c: [1.0, NaN, null, undefined], t: ['2024-01-01', '2024-01-02', '2024-01-03', '2024-01-04'] }, mapping)
  assert.equal(r.accepted, 1)
  assert.deepEqual(r.rejected.map((x) => [x.row, x.field, x.reason]), [[1, 'customer_id', 'missing'], [2, 'customer_id', 'missing'], [3, 'customer_id', 'missing']])
  const rows = kehu.validate([{ c: 1, t: '2024-01-01' }, { c: NaN, t: '2024-01-02' }], mapping)
  assert.deepEqual(rows.rejected.map((x) => [x.row, x.reason]), [[1, 'missing']])
})

test('entries that drop or reject rows report them', () => {
  const data = { c: ['a', 'a', 'b', null], t: ['2024-01-01', '2024-03-01', '2024-01-05', '2024-01-06'], v: [1, 2, 3, 4] }
  const m = { ...mapping, amount: 'v' }
  const p = kehu.profile(data, m, { observationEnd: '2024-02-01' })
  assert.equal(typeof p.rowsAfterEnd, 'number')
  assert.deepEqual(p.report.rejected.map((x) => x.row).sort(), [1, 3])
  assert.equal(p.report.accepted + p.report.rejected.length, p.report.totalRows)
  const s = kehu.summarize({ c: ['a', 'a'], t: ['2024-01-01', '2024-03-01'] }, mapping, { observationPeriodEnd: '2024-02-01' })
  assert.equal(s.rowsAfterEnd, 1)
  const audience = new kehu.Audience({ a: { field: 'orders', op: '>=', value: 1 } })
  const r = audience.evaluate({ asOf: '2024-02-01', transactions: data, mapping: m })
  assert.deepEqual(r.report.rejected.map((x) => x.row), [3])
})

test('more silent coercions: non-integers, wrong columns, strings as arrays', () => {
  // Labels, scores and counts are whole numbers (napi truncated 1.5 and wrapped -1).
  throwsCode(() => kehu.clusterScore('silhouette', X, [0, 0, 1, -1]), 'DATA_WRONG_TYPE', /row 3/, /labels/)
  throwsCode(() => kehu.clusterScore('silhouette', X, [0, 0, 1, 1.5]), 'DATA_WRONG_TYPE', /row 3/)
  const map = kehu.SegmentMap.builtin('rf10')
  throwsCode(() => map.assign({ R: [1.5], F: [1], M: [1] }), 'DATA_WRONG_TYPE', /row 0/, /'R'/)
  throwsCode(() => kehu.profile({ c: ['a'], t: ['2024-01-01'] }, mapping, { topN: 2.5 }), 'PROFILE_INVALID_OPTION', /topN/)
  const f = [0, 1, 2, 3, 0, 5]
  const m = kehu.ValueModel.fit('bgnbd', f, [0, 10, 20, 25, 0, 28], new Array(6).fill(30))
  throwsCode(() => m.periodTransactions(f, new Array(6).fill(30), -1), 'VALUE_INVALID_OPTION', /maxFrequency/)
  // Categorical column indices outside the rows selected nothing (all-missing categories).
  throwsCode(() => new kehu.KPrototypes({ nClusters: 2 }).fit([[1, 'a'], [2, 'b']], { categorical: [5] }), 'SEGMENT_INVALID_OPTION', /column 5/)
  // A string column was split into characters, one row each.
  throwsCode(() => kehu.validate({ c: 'abc', t: ['2024-01-01', '2024-01-02', '2024-01-03'] }, mapping), 'DATA_WRONG_TYPE', /column 'c'/)
  // Amounts as text were a conversion error without a row.
  throwsCode(() => kehu.validate({ c: ['a', 'b'], t: ['2024-01-01', '2024-01-02'], v: [1, '2'] }, { ...mapping, amount: 'v' }), 'DATA_WRONG_TYPE', /row 1/, /'v'/)
  // Attributes keep the type of their first value; an invalid Date was day 0 (1970-01-01).
  const audience = new kehu.Audience({ a: { attribute: 'age', op: '>=', value: 30 } })
  throwsCode(() => audience.evaluate({ asOf: '2024-02-01', customers: [{ customerId: 'a', age: 40 }, { customerId: 'b', age: '41' }] }), 'DATA_WRONG_TYPE', /row 1/, /age/)
  throwsCode(() => audience.evaluate({ asOf: '2024-02-01', customers: [{ customerId: 'a', signup: new Date('2024-01-01') }, { customerId: 'b', signup: new Date('x') }] }),
    'DATA_WRONG_TYPE', /row 1/, /signup/)
  // An invalid Date as an option is the core's typed error, not a RangeError.
  throwsCode(() => kehu.summarize({ c: ['a'], t: ['2024-01-01'] }, mapping, { observationPeriodEnd: new Date('x') }), 'DATA_INVALID_OPTION', /observation_period_end/)
  // Segment labels and portrait categories that are objects.
  throwsCode(() => kehu.portrait([{}], [{ x: 1 }]), 'DATA_WRONG_TYPE', /row 0/)
  throwsCode(() => kehu.portrait(['a', 'b'], [{ region: 'n' }, { region: ['s'] }]), 'DATA_WRONG_TYPE', /row 1/, /region/)
})

test('segmentation: one large cluster label is a label, not a size (issue 15)', () => {
  const rows = Array.from({ length: 50 }, (_, i) => [(2 * i) % 17 * 0.5, (2 * i + 1) % 17 * 0.5])
  const small = rows.map((_, i) => (i < 25 ? 0 : 1))
  const large = small.map((l) => l * 1e9)
  for (const which of ['silhouette', 'calinski_harabasz', 'davies_bouldin']) {
    assert.equal(kehu.clusterScore(which, rows, large), kehu.clusterScore(which, rows, small))
  }
  throwsCode(() => kehu.clusterScore('silhouette', rows, rows.map(() => 1e9)), 'SEGMENT_INVALID_OPTION', /clusters in use/)
})

test('segmentation: maps refuse scores of another range (issue 15)', () => {
  const v = Array.from({ length: 200 }, (_, i) => i)
  const map = kehu.SegmentMap.builtin('rf10')
  assert.ok(map.assign(kehu.rfmScores(v, v, v)).every((s) => s !== null))
  for (const name of ['rf10', 'rfm8']) {
    // The scores carry their bins, so a map for another range is refused whether the scores
    // fall outside it (100 bins) or inside (2 bins, which once made everyone "Hibernating").
    for (const bins of [100, 2]) {
      const scores = kehu.rfmScores(v, v, v, { bins })
      assert.deepEqual(scores.bins, [bins, bins, bins])
      throwsCode(() => kehu.SegmentMap.builtin(name).assign(scores),
        'SEGMENT_SCORE_RANGE_MISMATCH', /recency score/, /1…5/, new RegExp(`1…${bins}`))
    }
    // Scores without bins are still checked one by one.
    throwsCode(() => kehu.SegmentMap.builtin(name).assign({ R: [6], F: [1], M: [1] }),
      'SEGMENT_SCORE_OUT_OF_RANGE', /recency score/)
  }
  throwsCode(() => map.assign({ R: [1], F: [1], M: [1], bins: [5, 5] }), 'SEGMENT_INVALID_OPTION', /three/)
})

// ---- value models (issue 15, value/) ----

const valueDoc = (kind, params) => JSON.stringify({ format_version: kehu.formatVersion(), kind, ...params })

test('value: customers first seen on the last day (T = 0) fit BG/NBD as lifetimes fits them (issue 15)', () => {
  // The data: the profile of a simulated base has customers whose only purchase is on
  // the last day; their likelihood term is 1, so the fit is the one without them.
  const sim = kehu.simulate({ customers: 10000, seed: 1 })
  const { profiles } = kehu.profile(sim.transactions, kehu.STANDARD_COLUMNS)
  const col = (rows, k) => rows.map((p) => p[k])
  const zero = profiles.filter((p) => p.T === 0)
  assert.ok(zero.length >= 1, 'no T = 0 customer in the data')
  assert.ok(zero.every((p) => p.frequency === 0 && p.recency === 0))
  const rest = profiles.filter((p) => p.T > 0)
  const m = kehu.ValueModel.fit('bgnbd', col(profiles, 'frequency'), col(profiles, 'recency'), col(profiles, 'T'))
  const without = kehu.ValueModel.fit('bgnbd', col(rest, 'frequency'), col(rest, 'recency'), col(rest, 'T'))
  assert.equal(m.report.converged, true)
  assert.deepEqual(m.report.warnings, [])
  assert.equal(m.report.standardErrors.length, 4)
  for (const [k, v] of Object.entries(without.params)) {
    assert.ok(Math.abs(m.params[k] - v) <= 1e-6 * Math.abs(v), `${k}: ${m.params[k]} vs ${v}`)
  }
  assert.ok(Math.abs(m.report.logLikelihood - without.report.logLikelihood) < 1e-6)
})

test('value: predictions check their inputs and name the row and field (issue 15)', () => {
  const bg = kehu.ValueModel.fromJson(valueDoc('bgnbd', { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 }))
  const pn = kehu.ValueModel.fromJson(valueDoc('pnbd', { r: 0.553, alpha: 10.578, s: 0.606, beta: 11.669 }))
  const gg = kehu.ValueModel.fromJson(valueDoc('gamma_gamma', { p: 6.25, q: 3.74, gamma: 15.44 }))
  for (const m of [bg, pn]) {
    throwsCode(() => m.probabilityAlive(3, 40, 30), 'VALUE_INVALID_DATA', /row 0/, /'recency'/)
    throwsCode(() => m.probabilityAlive([3, 3, 3], [1, 2, 40], [30, 30, 30]), 'VALUE_INVALID_DATA', /row 2/, /'recency'/)
    throwsCode(() => m.probabilityAlive(3, 4, -30), 'VALUE_INVALID_DATA', /row 0/, /'T'/)
    throwsCode(() => m.probabilityAlive(1.5, 4, 30), 'VALUE_INVALID_DATA', /'frequency'/)
    throwsCode(() => m.conditionalExpectedPurchases(-1, 3, 4, 30), 'VALUE_INVALID_OPTION', /'horizon'/)
    throwsCode(() => m.conditionalProbabilityOfPurchases(1, 10, [3, 3], [4, 40], [30, 30]), 'VALUE_INVALID_DATA', /row 1/, /'recency'/)
    // A customer first seen at the end of the observation is scored: alive for sure.
    assert.equal(m.probabilityAlive(0, 0, 0), 1)
    // Gamma-Gamma spend: a repeat buyer's negative spend is refused with its row.
    throwsCode(() => m.customerLifetimeValue(gg, [1, 2], [3, 5], [30, 30], [20, -104]), 'VALUE_INVALID_DATA', /row 1/, /'monetary_value'/)
    throwsCode(() => m.customerLifetimeValue(gg, 2, 5, 30, NaN), 'VALUE_INVALID_DATA', /row 0/, /'monetary_value'/)
  }
  // Without repeat transactions the expected spend is the population mean p·γ/(q − 1), whatever
  // the spend given: CLV = spend · Σ (E[Y(i·30)] − E[Y((i−1)·30)]) / 1.01^i over 12 months.
  const mean = 6.25 * 15.44 / (3.74 - 1)
  let discounted = 0
  for (let i = 1; i <= 12; i++) {
    const step = bg.conditionalExpectedPurchases(30 * i, 0, 0, 30) - bg.conditionalExpectedPurchases(30 * (i - 1), 0, 0, 30)
    discounted += step / 1.01 ** i
  }
  for (const spend of [0, 37]) {
    const clv = bg.customerLifetimeValue(gg, 0, 0, 30, spend)
    assert.ok(Math.abs(clv / discounted - mean) < 1e-9 * mean, `${clv / discounted} vs ${mean}`)
  }
})

test('value: amounts whose sums would overflow are rejected, not summed to Infinity (issue 15)', () => {
  const data = { c: ['a', 'a', 'a', 'b'], t: ['2024-01-01', '2024-01-02', '2024-01-03', '2024-01-04'], v: [1e308, 1e308, 1e308, 5] }
  const m = { ...mapping, amount: 'v' }
  const r = kehu.validate(data, m)
  assert.equal(r.totalRows, 4)
  assert.equal(r.accepted, 1)
  assert.deepEqual(r.rejected.map((x) => [x.row, x.field, x.reason]), [[0, 'amount', 'too_large'], [1, 'amount', 'too_large'], [2, 'amount', 'too_large']])
  const p = kehu.profile(data, m)
  assert.deepEqual(p.profiles.map((x) => [x.customerId, x.totalSpend]), [['b', 5]])
  assert.deepEqual(p.report.rejected.map((x) => x.reason), ['too_large', 'too_large', 'too_large'])
  for (const [k, v] of Object.entries(p.profiles[0])) {
    if (typeof v === 'number') assert.ok(v !== Infinity && v !== -Infinity, k)
  }
  // Gamma-Gamma refuses such spend at its input.
  throwsCode(() => kehu.ValueModel.fit('gamma_gamma', [2, 3], [1e308, 1e308]), 'VALUE_INVALID_DATA', /row 0/)
})

test('value: data without a repeat purchase is VALUE_NOT_IDENTIFIED (issue 15)', () => {
  const z = new Array(10).fill(0)
  for (const kind of ['bgnbd', 'mbgnbd', 'pnbd', 'bgbb']) {
    throwsCode(() => kehu.ValueModel.fit(kind, z, z, new Array(10).fill(30)), 'VALUE_NOT_IDENTIFIED', /repeat purchase/)
  }
})

test('value: Pareto/NBD at its limit ends, not converged, with warnings (issue 15)', () => {
  // No evidence of heterogeneity: lifetimes returns r, alpha → ∞; so does kehu, saying so.
  const m = kehu.ValueModel.fit('pnbd', [0, 1, 2, 3, 0, 5, 1, 7, 2, 0], [0, 5, 10, 20, 0, 28, 3, 29, 15, 0], new Array(10).fill(30))
  assert.equal(m.report.converged, false)
  assert.equal(m.report.standardErrors, undefined)
  assert.ok(m.report.warnings.some((w) => /without bound/.test(w)), m.report.warnings.join('\n'))
  assert.ok(m.report.warnings.some((w) => /no standard errors/.test(w)), m.report.warnings.join('\n'))
  assert.ok(Number.isFinite(m.report.logLikelihood))
  // The purchase rate r/alpha is still estimated (lifetimes: 0.1280 at its limit).
  assert.ok(Math.abs(m.params.r / m.params.alpha - 0.128) < 0.002, `${m.params.r / m.params.alpha}`)
})

test('time options follow the core rule: the datetime format, or else ISO 8601 (issue 11)', () => {
  const mapping = { customerId: 'c', timestamp: 't' }
  const rows = { c: ['a', 'a'], t: ['19970101', '19970301'] }
  // Text that only a lenient parser reads is refused here as in Python.
  throwsCode(() => kehu.summarize({ c: ['a'], t: ['1997-01-01'] }, mapping, { observationPeriodEnd: 'Sep 30 1997' }), 'DATA_INVALID_OPTION', /observation_period_end/)
  const withFormat = (end) => kehu.summarize(rows, mapping, { datetimeFormat: '%Y%m%d', observationPeriodEnd: end })
  const a = withFormat('19970930')
  const b = withFormat(new Date('1997-09-30T00:00:00Z'))
  assert.deepEqual(Array.from(a.T), Array.from(b.T))
  assert.equal(a.T[0], 272)
})

test('what issue 11 moved into the core refuses bad input with a code', () => {
  const m = kehu.ValueModel.fit('bgnbd', [0, 1, 2, 3, 0, 5], [0, 10, 20, 25, 0, 28], [30, 30, 30, 30, 30, 30])
  // The batch P(alive): NaN, infinite, mismatched lengths, empty.
  throwsCode(() => m.probabilityAlive([1, NaN], [1, 1], [5, 5]), 'VALUE_INVALID_DATA', /row 1/)
  throwsCode(() => m.probabilityAlive([1], [1], [Infinity]), 'VALUE_INVALID_DATA')
  throwsCode(() => m.probabilityAlive([1, 2], [1], [5, 5]), 'VALUE_INVALID_DATA', /recency/)
  assert.equal(m.probabilityAlive([], [], []).length, 0)
  // max_frequency: the core's default when absent; 0 refused.
  assert.equal(m.periodTransactions([0, 1, 2], [30, 30, 30]).length, 8)
  throwsCode(() => m.periodTransactions([0, 1], [30, 30], 0), 'VALUE_INVALID_OPTION', /max_frequency/)
  // Tier defaults are the core's; bad cut-offs are refused.
  assert.deepEqual(kehu.valueTiers([5, 4, 3, 2, 1]), [2, 3, 3, 3, 3]) // the top 20% only: tier 2
  throwsCode(() => kehu.valueTiers([1, 2], [0.5, 0.2]), 'VALUE_INVALID_OPTION', /cut_offs/)
  // Summary and holdout options: unknown freq, empty and impossible times.
  const mapping = { customerId: 'c', timestamp: 't' }
  const rows = { c: ['a', 'a'], t: ['2024-01-01', '2024-02-01'] }
  throwsCode(() => kehu.summarize(rows, mapping, { freq: 'fortnight' }), 'PROFILE_INVALID_OPTION', /freq/)
  for (const end of ['', '99999-01-01', '2024-02-30']) {
    throwsCode(() => kehu.summarize(rows, mapping, { observationPeriodEnd: end }), 'DATA_INVALID_OPTION', /observation_period_end/)
  }
  throwsCode(() => kehu.calibrationAndHoldout(rows, mapping, { calibrationPeriodEnd: 'soon' }), 'DATA_INVALID_OPTION', /calibration_period_end/)
  // Attribute values: non-finite numbers and objects are typed errors, not missing values.
  const adults = new kehu.Audience({ adults: { attribute: 'age', op: '>=', value: 30 } })
  for (const age of [Infinity, NaN, { x: 1 }, [1]]) {
    throwsCode(() => adults.evaluate({ asOf: '2024-01-01', customers: [{ customerId: 'a', age: 40 }, { customerId: 'b', age }] }), 'DATA_WRONG_TYPE', /age/, /row 1/)
  }
  throwsCode(() => adults.evaluate({ asOf: 'soon', customers: [{ customerId: 'a', age: 40 }] }), 'DATA_INVALID_OPTION', /as_of/)
  // BigInt ages are numbers while they are exact; beyond 2^53 they are a typed error.
  const big = adults.evaluate({ asOf: '2024-01-01', customers: [{ customerId: 'a', age: 40n }, { customerId: 'b', age: 20 }] })
  assert.deepEqual(big.members.adults, [true, false])
  throwsCode(() => adults.evaluate({ asOf: '2024-01-01', customers: [{ customerId: 'a', age: 40 }, { customerId: 'b', age: 2n ** 60n }] }), 'DATA_WRONG_TYPE', /age/, /row 1/)
  // Times with a UTC offset name an instant (10:00+02:00 is 08:00 UTC), in every binding.
  const zoned = kehu.summarize({ c: ['a', 'a'], t: ['2024-01-01T10:00:00+02:00', '2024-01-03T23:30:00-01:00'] }, { customerId: 'c', timestamp: 't' })
  assert.equal(zoned.recency[0], 3)
  // k-prototypes init names are read in any case, as kmodes reads them.
  const cao = new kehu.KPrototypes({ nClusters: 2, init: 'CAO' }).fit([[1, 'a'], [2, 'a'], [9, 'b'], [10, 'b']], { categorical: [1] })
  assert.deepEqual(Array.from(cao.predict([[1, 'a'], [10, 'b']])).map((l, _, a) => l === a[0]), [true, false])
  // Option names the core reads: a misspelt one is still an error.
  throwsCode(() => new kehu.GaussianMixture({ nComponentz: 2 }).fit([[0, 0], [1, 1]]), 'SEGMENT_INVALID_OPTION', /n_componentz/)
  throwsCode(() => new kehu.KPrototypes({ nClusters: 2, init: 'Huang!' }).fit([[1, 'a'], [2, 'b']], { categorical: [1] }), 'SEGMENT_INVALID_OPTION', /init/)
})

test('paths moved to the core this stop refuse bad input with codes (issue 11)', () => {
  const r = [1, 5, 9]
  throwsCode(() => kehu.rfmScores(r, r, r, { ties: 'average' }), 'SEGMENT_INVALID_OPTION', /ties/)
  throwsCode(() => kehu.rfmScores(r, r, r, { bins: 0 }), 'SEGMENT_INVALID_OPTION')
  throwsCode(() => kehu.rfmScores(r, r, r, { bins: 2 ** 40 }), 'SEGMENT_INVALID_OPTION')
  throwsCode(() => kehu.rfmScores(r, r, r, { cutOffs: [NaN] }), 'SEGMENT_INVALID_OPTION')
  throwsCode(() => kehu.rfmScores(r, r, r, { binz: 3 }), 'SEGMENT_INVALID_OPTION', /binz/)
  throwsCode(() => kehu.ValueModel.fit('paretonbd', [1], [1], [2]), 'VALUE_INVALID_OPTION', /kind/)
  throwsCode(() => kehu.ValueModel.fit('bgnbd', [1], [1], [2], { penalizer: -1 }), 'VALUE_INVALID_OPTION', /penalizer/)
  throwsCode(() => kehu.ValueModel.fit('bgnbd', [], [], []), 'VALUE_INVALID_DATA')
  // Portraits: an infinite or object value is a typed error naming the row; empty rows are fine.
  throwsCode(() => kehu.portrait(['a'], [{ x: Infinity }]), 'DATA_WRONG_TYPE', /row 0/)
  throwsCode(() => kehu.portrait(['a', 'b'], [{ x: 1 }, { x: { y: 1 } }]), 'DATA_WRONG_TYPE', /row 1/)
  throwsCode(() => kehu.portrait(['a'], [{ x: 1 }], { top: 0 }), 'SEGMENT_INVALID_OPTION', /top/)
  assert.deepEqual(kehu.portrait([], []), { numeric: [], categories: [] })
  const gg = kehu.ValueModel.fromJson(valueDoc('gamma_gamma', { p: 6.25, q: 3.74, gamma: 15.44 }))
  const bg = kehu.ValueModel.fit('bgnbd', [1, 2, 0, 3, 1], [5, 10, 0, 20, 3], [30, 30, 30, 30, 30])
  throwsCode(() => bg.customerLifetimeValue(bg, 2, 5, 30, 20), 'VALUE_INVALID_OPTION', /gamma_gamma/)
  throwsCode(() => bg.customerLifetimeValue(gg, 2, 5, 30, 20, { month: 6 }), 'VALUE_INVALID_OPTION')
})

test('column mappings are read by the core: either spelling, unknown or missing fields are option errors', () => {
  const rows = [{ c: 'a', t: '2024-01-01', a: 5 }, { c: 'a', t: '2024-01-03', a: 7 }]
  const camel = kehu.summarize(rows, { customerId: 'c', timestamp: 't', amount: 'a' })
  const snake = kehu.summarize(rows, { customer_id: 'c', timestamp: 't', amount: 'a' })
  assert.deepEqual(snake, camel)
  assert.equal(camel.monetaryValue[0], 7)
  throwsCode(() => kehu.summarize(rows, { customerId: 'c', timestamp: 't', amt: 'a' }), 'DATA_INVALID_OPTION', /'?amt'?.*not a transaction field/)
  throwsCode(() => kehu.summarize(rows, { timestamp: 't' }), 'DATA_INVALID_OPTION', /customer_id/)
  throwsCode(() => kehu.summarize(rows, { customerId: 'c', customer_id: 'c', timestamp: 't' }), 'DATA_INVALID_OPTION', /mapped twice/)
  throwsCode(() => kehu.summarize(rows, { customerId: 'c', timestamp: 5 }), 'DATA_WRONG_TYPE')
  throwsCode(() => kehu.summarize(rows, null), 'DATA_WRONG_TYPE')
  throwsCode(() => kehu.summarize({ c: ['a'] }, { customerId: 'c', timestamp: 't' }), 'DATA_MISSING_COLUMN', /'t'/)
})

test('audiences and tag rules: the core reads the document and its shorthands alike', () => {
  const rule = { field: 'orders', op: '>=', value: 1 }
  const byName = new kehu.Audience({ zeta: rule, alpha: rule })
  const list = new kehu.Audience([{ name: 'zeta', rule }, { name: 'alpha', rule }])
  const doc = new kehu.Audience(byName.toJson())
  assert.deepEqual(byName.names, ['zeta', 'alpha'])
  assert.equal(list.toJson(), byName.toJson())
  assert.equal(doc.toJson(), byName.toJson())
  assert.equal(JSON.parse(byName.toJson()).kind, 'audiences')
  throwsCode(() => new kehu.Audience(5), 'FORMAT_INVALID')
  throwsCode(() => new kehu.Audience({ a: { field: 'orders', op: '~', value: 1 } }), 'SEGMENT_INVALID_RULE')
  const rows = [{ c: 'a', t: '2024-01-01', a: 600 }, { c: 'b', t: '2024-01-02', a: 5 }]
  const m = { customerId: 'c', timestamp: 't', amount: 'a' }
  const tagsOf = (tags) => kehu.profile(rows, m, { tags }).profiles.map((p) => p.tags)
  const want = tagsOf({ vip: 'total_spend >= 500' })
  assert.deepEqual(want, [['vip'], []])
  assert.deepEqual(tagsOf([{ name: 'vip', when: 'total_spend >= 500' }]), want)
  assert.deepEqual(tagsOf({ tags: [{ name: 'vip', when: 'total_spend >= 500' }] }), want)
  throwsCode(() => tagsOf({ vip: 'total_spen >= 500' }), 'PROFILE_INVALID_RULE')
})

test('error areas come from the core for every code', () => {
  const e = (() => { try { kehu.summarize({ c: ['a'] }, { customerId: 'c', timestamp: 't' }) } catch (err) { return err } })()
  assert.ok(e instanceof kehu.KehuError)
  assert.equal(e.area, 'data')
  const s = (() => { try { return new kehu.Audience({ a: { field: 'orders', op: '~', value: 1 } }) } catch (err) { return err } })()
  assert.equal(s.area, 'segment')
})
