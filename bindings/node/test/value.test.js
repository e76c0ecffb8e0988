'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const kehu = require('..')

const ROOT = path.resolve(__dirname, '..', '..', '..')
const golden = JSON.parse(fs.readFileSync(path.join(ROOT, 'testdata', 'golden_value.json'), 'utf8'))

function close (a, b, rel = 1e-12) {
  assert.ok(Math.abs(a - b) <= rel * Math.max(1e-300, Math.abs(b)), `${a} vs ${b}`)
}

test('models saved by the core score the golden customers identically', () => {
  const bg = kehu.ValueModel.fromJson(JSON.stringify(golden.bgnbd))
  const gg = kehu.ValueModel.fromJson(JSON.stringify(golden.gamma_gamma))
  const c = golden.customers
  bg.conditionalExpectedPurchases(52, c.frequency, c.recency, c.T).forEach((v, i) => close(v, golden.expected_purchases_52[i]))
  bg.probabilityAlive(c.frequency, c.recency, c.T).forEach((v, i) => close(v, golden.probability_alive[i]))
  const o = golden.clv_options
  const clv = bg.customerLifetimeValue(gg, c.frequency, c.recency, c.T, c.monetary_value,
    { months: o.months, discountRate: o.discount_rate, margin: o.margin, unitsPerMonth: o.units_per_month })
  clv.forEach((v, i) => close(v, golden.clv[i]))
  assert.deepEqual(kehu.valueTiers(clv, [0.1, 0.3]), golden.tiers)
  assert.equal(bg.params.r, golden.bgnbd.r)
  const pnbd = kehu.ValueModel.fromJson(JSON.stringify(golden.pnbd))
  pnbd.conditionalExpectedPurchases(52, c.frequency, c.recency, c.T).forEach((v, i) => close(v, golden.pnbd_expected_purchases_52[i]))
  pnbd.probabilityAlive(c.frequency, c.recency, c.T).forEach((v, i) => close(v, golden.pnbd_probability_alive[i]))
  pnbd.customerLifetimeValue(gg, c.frequency, c.recency, c.T, c.monetary_value,
    { months: o.months, discountRate: o.discount_rate, margin: o.margin, unitsPerMonth: o.units_per_month })
    .forEach((v, i) => close(v, golden.pnbd_clv[i]))
  assert.equal(pnbd.params.beta, golden.pnbd.beta)
  pnbd.discountedExpectedResidualTransactions(golden.pnbd_dert_rate, c.frequency, c.recency, c.T)
    .forEach((v, i) => close(v, golden.pnbd_dert[i]))
  pnbd.conditionalProbabilityOfPurchases(1, 26, c.frequency, c.recency, c.T)
    .forEach((v, i) => close(v, golden.pnbd_probability_one_purchase_in_26[i]))
  bg.probabilityOfPurchases([0, 1, 2, 3, 4], 39).forEach((v, i) => close(v, golden.bgnbd_new_customer_purchases_39[i]))
})

test('model checks: holdout and period transactions keep every customer', () => {
  const sim = kehu.simulate({ customers: 1500, seed: 8, dirty_rate: 0, return_rate: 0 })
  const end = new Date(sim.observationEnd)
  const cut = new Date(end.getTime() - 26 * 7 * 86400e3)
  const ch = kehu.calibrationAndHoldout(sim.transactions, kehu.STANDARD_COLUMNS,
    { calibrationPeriodEnd: cut, observationPeriodEnd: end, freqMultiplier: 7 })
  const c = ch.calibration
  const m = kehu.ValueModel.fit('pnbd', c.frequency, c.recency, c.T)
  const check = m.holdoutCheck(ch, 5)
  assert.equal(check.bins.length, 6)
  assert.ok(check.bins[5].openEnded && !check.bins[4].openEnded)
  assert.equal(check.bins.reduce((s, b) => s + b.customers, 0), c.frequency.length)
  close(check.actualTotal, Array.from(ch.frequencyHoldout).reduce((s, v) => s + v, 0))
  const predicted = m.conditionalExpectedPurchases(ch.durationHoldout, c.frequency, c.recency, c.T).reduce((s, v) => s + v, 0)
  close(check.predictedTotal, predicted, 1e-9)
  const periods = m.periodTransactions(c.frequency, c.T, 5)
  close(periods.reduce((s, b) => s + b.predicted, 0), c.frequency.length, 1e-9)
  assert.throws(() => m.holdoutCheck(ch, 0), (e) => e instanceof kehu.KehuError && e.code === 'VALUE_INVALID_OPTION')
})

test('fit in Node, save, reload: same numbers; bad input is a KehuError', () => {
  const sim = kehu.simulate({ customers: 2000, seed: 5, dirty_rate: 0, return_rate: 0 })
  const s = kehu.summarize(sim.transactions, kehu.STANDARD_COLUMNS, { freqMultiplier: 7, observationPeriodEnd: sim.observationEnd })
  const [f, r, T] = [s.frequency, s.recency, s.T]
  const m = kehu.ValueModel.fit('bgnbd', f, r, T)
  assert.ok(m.report.converged)
  assert.deepEqual(m.report.names, ['r', 'alpha', 'a', 'b'])
  const again = kehu.ValueModel.fromJson(m.toJson())
  assert.deepEqual(Array.from(again.probabilityAlive(f, r, T)), Array.from(m.probabilityAlive(f, r, T)))
  const cases = [
    [() => kehu.ValueModel.fit('bgnbd', [1, 2], [5, 50], [40, 40]), 'VALUE_INVALID_DATA'],
    [() => kehu.ValueModel.fit('pareto', [1], [1], [2]), 'VALUE_INVALID_OPTION'],
    [() => kehu.ValueModel.fromJson('{"format_version": 9, "kind": "bgnbd"}'), 'FORMAT_NEWER_VERSION'],
    [() => m.probabilityAlive([1, 2], [1], [3, 3]), 'VALUE_INVALID_DATA'],
    [() => kehu.valueTiers([1], [0.5, 0.2]), 'VALUE_INVALID_OPTION']
  ]
  for (const [fn, code] of cases) {
    assert.throws(fn, (e) => e instanceof kehu.KehuError && e.code === code, code)
  }
})

test('value models are native handles; JSON only through toJson / fromJson (issue 11)', () => {
  const m = kehu.ValueModel.fit('bgnbd', [0, 1, 2, 3, 0, 5, 1, 2], [0, 10, 20, 25, 0, 28, 3, 9], [30, 30, 30, 30, 30, 30, 20, 12])
  assert.ok(m.model instanceof kehu.FittedValueModel)
  assert.equal(m.kind, 'bgnbd')
  const doc = JSON.parse(m.toJson())
  assert.deepEqual(Object.keys(m.params), ['r', 'alpha', 'a', 'b'])
  for (const name of ['r', 'alpha', 'a', 'b']) assert.equal(m.params[name], doc[name])
  assert.equal(m.report.names.length, 4)
  assert.ok(!('model' in m.report))
  const again = kehu.ValueModel.fromJson(m.toJson())
  assert.equal(again.toJson(), m.toJson())
  assert.deepEqual(again.probabilityAlive([1, 2], [10, 20], [30, 30]), m.probabilityAlive([1, 2], [10, 20], [30, 30]))
  // The default pooled bin is the core's (7): frequencies 0…7, the last open-ended.
  const bins = m.periodTransactions([0, 1, 2, 3, 9], [30, 30, 30, 30, 30])
  assert.equal(bins.length, 8)
  assert.ok(bins[7].openEnded)
  assert.throws(() => kehu.ValueModel.fromJson('{"format_version": 1, "kind": "kmeans"}'), (e) => e instanceof kehu.KehuError && e.code === 'FORMAT_WRONG_KIND')
  assert.throws(() => m.customerLifetimeValue({ toJson: () => '{}' }, 1, 1, 2, 3), (e) => e instanceof kehu.KehuError && e.code === 'DATA_WRONG_TYPE')
})

test('qConstraint keeps Gamma-Gamma q at least 1, through the core options (issue 11)', () => {
  // Mean spends spread over four orders of magnitude: the free estimate of q is below 1.
  const x = Array.from({ length: 200 }, (_, i) => 1 + (i % 5))
  const m = Array.from({ length: 200 }, (_, i) => 10 ** (4 * ((i * 37) % 200) / 200))
  const free = kehu.ValueModel.fit('gamma_gamma', x, m)
  assert.ok(free.params.q < 1, `${free.params.q}`)
  const held = kehu.ValueModel.fit('gamma_gamma', x, m, null, { qConstraint: true })
  assert.equal(held.params.q, 1)
  assert.ok(held.report.warnings[0].includes('q held at its bound 1'))
  assert.ok(held.report.logLikelihood <= free.report.logLikelihood)
  assert.throws(() => kehu.ValueModel.fit('bgnbd', [1], [1], [2], { qConstraint: true }), (e) => e.code === 'VALUE_INVALID_OPTION' && /q_constraint/.test(e.message))
  assert.throws(() => kehu.ValueModel.fit('gamma_gamma', x, m, null, { qConstraint: 'yes' }), (e) => e.code === 'VALUE_INVALID_OPTION')
})
