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
  assert.deepEqual(s, golden.rfm_scores)
  assert.deepEqual(kehu.SegmentMap.fromJson(JSON.stringify(golden.segment_map)).assign(s), golden.segments)
})

test('RFM scores and segments as in the core', () => {
  const s = kehu.rfmScores([10, 30, 200, 400], [1, 2, 5, 12], [0, 50, 100, 1000],
    { recencyEdges: [30, 90, 180, 365], frequencyEdges: [2, 5, 10], monetaryEdges: [100] })
  assert.deepEqual(s, { R: [5, 4, 2, 1], F: [1, 2, 3, 4], M: [1, 1, 2, 2] })
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
