'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const kehu = require('..')

const golden = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'testdata', 'golden_segment.json'), 'utf8'))

test('documents saved by the core assign the golden points and customers identically', () => {
  const km = kehu.KMeans.fromJson(JSON.stringify(golden.kmeans))
  assert.deepEqual(km.predict(golden.points), golden.labels)
  const i = golden.rfm_inputs
  const s = kehu.rfmScores(i.recency, i.frequency, i.monetary)
  assert.deepEqual(s, { ...golden.rfm_scores, bins: [5, 5, 5] })
  assert.deepEqual(kehu.SegmentMap.fromJson(JSON.stringify(golden.segment_map)).assign(s), golden.segments)
  const gm = kehu.GaussianMixture.fromJson(JSON.stringify(golden.gmm))
  const probs = gm.predictProba(golden.points)
  probs.forEach((p, i) => {
    const best = p.indexOf(Math.max(...p))
    assert.equal(best, golden.gmm_components[i])
    p.forEach((v, c) => assert.ok(Math.abs(v - golden.gmm_probabilities[i][c]) <= 1e-12 * Math.max(1, v)))
  })
  const kp = kehu.KPrototypes.fromJson(JSON.stringify(golden.kprototypes))
  const rows = golden.mixed_numeric.map((n, i) => [...n, ...golden.mixed_categories[i]])
  assert.deepEqual(Array.from(kp.predict(rows)), golden.mixed_labels)
  const c = golden.audience_customer
  const a = c.attributes
  const r = new kehu.Audience(JSON.stringify(golden.audiences)).evaluate({
    asOf: c.as_of,
    transactions: c.events.map((e) => ({ ...e, customerId: c.customer_id })),
    mapping: { customerId: 'customerId', timestamp: 'timestamp', amount: 'amount', category: 'category', channel: 'channel' },
    customers: [{ customerId: c.customer_id, age: a.age, member: a.member, region: a.region, signup: new Date(a.signup) }],
    segments: { rfm: { [c.customer_id]: c.segments.rfm } }
  })
  assert.deepEqual(Object.keys(r.members).filter((n) => r.members[n][0]), golden.audience_members)
})

test('RFM scores and segments as in the core', () => {
  const s = kehu.rfmScores([10, 30, 200, 400], [1, 2, 5, 12], [0, 50, 100, 1000],
    { recencyEdges: [30, 90, 180, 365], frequencyEdges: [2, 5, 10], monetaryEdges: [100] })
  assert.deepEqual(s, { R: [5, 4, 2, 1], F: [1, 2, 3, 4], M: [1, 1, 2, 2], bins: [5, 4, 2] })
  const mid = kehu.rfmScores([1, 2, 2, 4, 5, 6, 7, 8, 9, 10], [1, 1, 1, 1, 1, 1, 1, 1, 1, 1], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
  assert.deepEqual(mid.R, [5, 4, 4, 4, 3, 3, 2, 2, 1, 1])
  assert.deepEqual(mid.F, new Array(10).fill(3))
  const map = kehu.SegmentMap.builtin('rf10')
  assert.deepEqual(map.assign({ R: [5, 3, 1], F: [5, 3, 5], M: [1, 1, 1] }), ['Champions', 'Need Attention', "Can't Lose Them"])
  const table = kehu.SegmentMap.fromCodeTable('R,F,M,code,segment\n5,5,5,555,Champions\n')
  assert.deepEqual(table.assign({ R: [5, 4], F: [5, 4], M: [5, 4] }), ['Champions', null])
  assert.deepEqual(kehu.SegmentMap.fromJson(map.toJson()).assign({ R: [2], F: [1], M: [1] }), ['Hibernating'])
  const cases = [
    [() => kehu.rfmScores([1, NaN], [1, 2], [1, 2]), 'SEGMENT_INVALID_DATA'],
    [() => kehu.rfmScores([1], [1], [1], { ties: 'average' }), 'SEGMENT_INVALID_OPTION'],
    [() => kehu.SegmentMap.builtin('rfm125'), 'SEGMENT_INVALID_OPTION'],
    [() => map.assign({ R: [0], F: [1], M: [1] }), 'SEGMENT_INVALID_DATA']
  ]
  for (const [fn, code] of cases) {
    assert.throws(fn, (e) => e instanceof kehu.KehuError && e.code === code, code)
  }
})

test('k-means finds separated groups; scores; JSON round trip', () => {
  const rows = []
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < 200; i++) rows.push([c * 10 + (i % 7) / 10, (i % 5) / 10])
  }
  const km = new kehu.KMeans({ nClusters: 3, seed: 4 }).fit(rows)
  for (let c = 0; c < 3; c++) {
    const labels = km.labels.slice(c * 200, (c + 1) * 200)
    assert.ok(labels.every((l) => l === labels[0]))
  }
  assert.equal(new Set(km.labels).size, 3)
  assert.deepEqual(kehu.KMeans.fromJson(km.toJson()).predict(rows), km.labels)
  const again = new kehu.KMeans({ nClusters: 3, seed: 4 }).fit(rows)
  assert.equal(again.inertia, km.inertia)
  const s = kehu.clusterScore('silhouette', rows, km.labels)
  assert.ok(s > 0.9 && s <= 1, String(s))
  assert.ok(kehu.clusterScore('davies_bouldin', rows, km.labels) < 0.1)
  assert.throws(() => new kehu.KMeans({ nClusters: 1000 }).fit(rows), (e) => e.code === 'SEGMENT_INVALID_OPTION')
})

test('Gaussian mixtures and lifecycle stages', () => {
  const rows = []
  for (let c = 0; c < 2; c++) {
    for (let i = 0; i < 300; i++) rows.push([c * 8 + ((i * 37) % 100) / 50, ((i * 53) % 100) / 50])
  }
  const g = new kehu.GaussianMixture({ nComponents: 2, covarianceType: 'diag', seed: 1 }).fit(rows)
  assert.ok(g.converged)
  const p = g.predictProba(rows)
  assert.ok(p.every((r) => Math.abs(r[0] + r[1] - 1) < 1e-12))
  assert.notEqual(p[0][0] > 0.5, p[300][0] > 0.5)
  assert.ok(Number.isFinite(g.bic(rows)))
  assert.deepEqual(kehu.lifecycleStages([null, 10, 400, 400, 400, 400], [0, 10, 30, 120, 300, 399]),
    ['prospect', 'new', 'active', 'at_risk', 'lapsed', 'lost'])
  assert.deepEqual(kehu.lifecycleStages([100, 100], [5, 5], { kind: 'alive', probabilityAlive: [0.9, 0.01] }), ['active', 'lost'])
  assert.throws(() => kehu.lifecycleStages([100], [5], { active: 0.5 }), (e) => e.code === 'SEGMENT_INVALID_OPTION')
  // Own cadence: a weekly buyer is at risk after 10 days, a quarterly one active.
  assert.deepEqual(kehu.lifecycleStages([200, 200, 200], [10, 10, 100], { kind: 'cadence', intervalP80Days: [8, 95, null] }),
    ['at_risk', 'active', 'at_risk'])
})

test('KPrototypes separates mixed groups; KModes; models round-trip', () => {
  const rows = []
  for (let i = 0; i < 300; i++) {
    const g = i % 3
    rows.push([g * 10 + (i % 7) * 0.1, ['app', 'web', 'store'][g], i % 11 === 0 ? null : ['gold', 'silver', 'bronze'][g]])
  }
  const m = new kehu.KPrototypes({ nClusters: 3, seed: 2 }).fit(rows, { categorical: [1, 2] })
  for (let i = 0; i < 300; i++) assert.equal(m.labels[i], m.labels[i % 3])
  assert.equal(new Set(m.labels).size, 3)
  assert.deepEqual(Array.from(m.predict(rows)), Array.from(m.labels))
  const back = kehu.KPrototypes.fromJson(m.toJson())
  assert.deepEqual(Array.from(back.predict([[20.1, 'store', 'bronze']])), [m.labels[2]])
  assert.equal(m.clusterCentroids.length, 3)
  const modes = new kehu.KModes({ nClusters: 3, init: 'Cao' }).fit(rows.map((r) => [r[1], r[2]]))
  assert.equal(new Set(modes.labels).size, 3)
  assert.ok(modes.cost >= 0 && modes.cost <= 30)
  assert.throws(() => new kehu.KPrototypes({ nClusters: 2 }).fit([[Infinity, 'a'], [1, 'b']], { categorical: [1] }),
    (e) => e.code === 'SEGMENT_INVALID_DATA')
})

test('Audience: events in a window, attributes, segments and references', () => {
  const day = (d) => new Date(Date.UTC(2025, 0, d)).toISOString()
  const tx = [
    { id: 'a', t: day(5), amount: 30, category: 'shoes' },
    { id: 'a', t: day(25), amount: 40, category: 'shoes' },
    { id: 'b', t: day(25), amount: 500, category: 'bags' },
    { id: 'c', t: day(2), amount: 10, category: 'shoes' }
  ]
  const audience = new kehu.Audience({
    shoes_twice: { events: { within_days: 30, where: [{ property: 'category', op: '=', value: 'shoes' }], op: '>=', value: 2 } },
    big: { field: 'total_spend', op: '>=', value: 100 },
    adult_vip: { and: [{ attribute: 'age', op: '>=', value: 18 }, { segment: 'tier', op: '=', value: 'vip' }] },
    either: { or: [{ audience: 'shoes_twice' }, { audience: 'big' }] }
  })
  const r = audience.evaluate({
    asOf: '2025-01-30',
    transactions: tx,
    mapping: { customerId: 'id', timestamp: 't', amount: 'amount', category: 'category' },
    customers: [{ customerId: 'a', age: 30 }, { customerId: 'd', age: 15 }],
    segments: { tier: { a: 'vip', d: 'vip' } }
  })
  assert.deepEqual(r.ids, ['a', 'd', 'b', 'c'])
  assert.deepEqual(r.members.shoes_twice, [true, false, false, false])
  assert.deepEqual(r.members.big, [false, false, true, false])
  assert.deepEqual(r.members.adult_vip, [true, false, false, false])
  assert.deepEqual(r.members.either, [true, false, true, false])
  assert.throws(() => new kehu.Audience({ x: { field: 'orders', op: '=>', value: 1 } }),
    (e) => e.code === 'SEGMENT_INVALID_RULE' && /rule: unknown operator/.test(e.message))
})

test('MiniBatchKMeans fits, continues from a saved state, and portraits describe segments', () => {
  const rows = []
  for (let i = 0; i < 6000; i++) {
    const g = i % 3
    rows.push([g * 10 + ((i * 7919) % 100) / 100, -g * 5 + ((i * 104729) % 100) / 100])
  }
  const m = new kehu.MiniBatchKMeans({ nClusters: 3, seed: 1, batchSize: 256 }).fit(rows)
  for (let i = 0; i < 300; i++) assert.equal(m.labels[i], m.labels[i % 3])
  const full = new kehu.KMeans({ nClusters: 3 }).fit(rows)
  assert.ok(m.inertia <= full.inertia * 1.01)
  let s = new kehu.MiniBatchKMeans({ nClusters: 3, seed: 1 })
  for (let b = 0; b < 6; b++) s = kehu.MiniBatchKMeans.fromState(s.partialFit(rows.slice(b * 1000, (b + 1) * 1000)).stateJson())
  assert.equal(s.nSteps, 6)
  assert.deepEqual(Array.from(s.predict(rows.slice(0, 3))).length, 3)
  const p = kehu.portrait(['a', 'a', 'b', null], [{ spend: 10, city: 'x' }, { spend: 30, city: 'y' }, { spend: 5, city: 'x' }, { spend: 1, city: 'x' }])
  const a = p.numeric.find((r) => r.segment === 'a' && r.feature === 'spend')
  assert.equal(a.mean, 20)
  assert.equal(a.customers, 2)
  assert.ok(p.categories.some((r) => r.segment === 'b' && r.value === 'x' && r.share === 1))
})

test('KMeans: k-means|| seeding and both algorithms; unknown settings are errors', () => {
  const rows = []
  for (let i = 0; i < 3000; i++) rows.push([(i % 3) * 10 + ((i * 7919) % 97) / 97, ((i * 104729) % 89) / 89])
  const a = new kehu.KMeans({ nClusters: 3, init: 'k-means||', seed: 1 }).fit(rows)
  const b = new kehu.KMeans({ nClusters: 3, seed: 1, algorithm: 'lloyd' }).fit(rows)
  assert.ok(Math.abs(a.inertia - b.inertia) <= 1e-9 * b.inertia)
  assert.throws(() => new kehu.KMeans({ nClusters: 3, init: 'kmeans+' }).fit(rows), (e) => e.code === 'SEGMENT_INVALID_OPTION')
})

test('fitted models are native handles; JSON only through toJson / fromJson (issue 11)', () => {
  const rows = Array.from({ length: 60 }, (_, i) => [i % 3 * 10 + (i % 7) / 7, (i % 5) / 5, Math.floor(i / 20)])
  const km = new kehu.KMeans({ nClusters: 3, seed: 1 }).fit(rows)
  assert.equal(typeof km.model, 'object')
  assert.ok(km.model instanceof kehu.KMeansModel)
  assert.equal(km.model.k, 3)
  assert.equal(km.model.d, 3)
  const doc = JSON.parse(km.toJson())
  assert.deepEqual(km.clusterCenters.flat(), doc.centers)
  const again = kehu.KMeans.fromJson(km.toJson())
  assert.deepEqual(again.predict(rows), km.labels)
  assert.equal(again.toJson(), km.toJson())

  const mb = new kehu.MiniBatchKMeans({ nClusters: 3, seed: 2, batchSize: 16 })
  mb.partialFit(rows.slice(0, 30)).partialFit(rows.slice(30))
  assert.equal(mb.nSteps, 2)
  const resumed = kehu.MiniBatchKMeans.fromState(mb.stateJson())
  assert.equal(resumed.nSteps, 2)
  assert.deepEqual(resumed.predict(rows), mb.predict(rows))
  resumed.partialFit(rows.slice(0, 20))
  assert.equal(resumed.nSteps, 3)
  assert.equal(mb.nSteps, 2, 'the saved state is not changed by a later step')

  const gm = new kehu.GaussianMixture({ nComponents: 2, seed: 1 }).fit(rows)
  assert.equal(gm.model.k, 2)
  const gm2 = kehu.GaussianMixture.fromJson(gm.toJson())
  assert.deepEqual(gm2.predictProba(rows), gm.predictProba(rows))
  assert.deepEqual(gm2.predict(rows), gm.predictProba(rows).map((p) => p.indexOf(Math.max(...p))))

  const mixed = rows.map((r, i) => [r[0], r[1], i % 2 ? 'a' : 'b', i % 3 ? 'x' : 'y'])
  const kp = new kehu.KPrototypes({ nClusters: 2, seed: 1 }).fit(mixed, { categorical: [2, 3] })
  const kdoc = JSON.parse(kp.toJson())
  const centroids = kp.clusterCentroids
  assert.equal(centroids.length, 2)
  centroids.forEach((c, k) => {
    assert.deepEqual(c.slice(0, 2), kdoc.numeric.slice(k * 2, k * 2 + 2))
    assert.deepEqual(c.slice(2), kdoc.modes.slice(k * 2, k * 2 + 2).map((code, j) => kdoc.categories.columns[j][code]))
  })
  assert.deepEqual(Array.from(kehu.KPrototypes.fromJson(kp.toJson()).predict(mixed)), Array.from(kp.labels))
  for (const [f, code] of [[() => kehu.KMeans.fromJson('{"format_version": 1, "kind": "gmm"}'), 'FORMAT_WRONG_KIND'], [() => kehu.GaussianMixture.fromJson('{oops'), 'FORMAT_INVALID']]) {
    assert.throws(f, (e) => e instanceof kehu.KehuError && e.code === code, code)
  }
})

test("scikit-learn's algorithm name 'elkan' is the core's alias of Hamerly's bounds (issue 11)", () => {
  const rows = Array.from({ length: 90 }, (_, i) => [i % 3 * 10 + (i % 7) / 7, (i % 5) / 5])
  const lloyd = new kehu.KMeans({ nClusters: 3, seed: 1, algorithm: 'lloyd' }).fit(rows)
  const elkan = new kehu.KMeans({ nClusters: 3, seed: 1, algorithm: 'elkan' }).fit(rows)
  assert.deepEqual(elkan.labels, lloyd.labels)
  assert.throws(() => new kehu.KMeans({ algorithm: 'fast' }).fit(rows), (e) => e instanceof kehu.KehuError && e.code === 'SEGMENT_INVALID_OPTION' && /algorithm/.test(e.message))
})

test('a saved k-prototypes model keeps its column layout: categories first load and score unchanged', () => {
  const rows = [['a', 0], ['a', 0.2], ['b', 5], ['b', 5.1], ['a', 0.1], ['b', 4.9]]
  const fitted = new kehu.KPrototypes({ nClusters: 2 }).fit(rows, { categorical: [0] })
  const loaded = kehu.KPrototypes.fromJson(fitted.toJson())
  assert.deepEqual(loaded.model.categoricalColumns, [0])
  assert.deepEqual(Array.from(loaded.predict(rows)), Array.from(fitted.labels))
  const modes = new kehu.KModes({ nClusters: 2 }).fit([['a', 'x'], ['a', 'x'], ['b', 'y'], ['b', 'y']])
  assert.deepEqual(kehu.KModes.fromJson(modes.toJson()).model.categoricalColumns, [0, 1])
})
