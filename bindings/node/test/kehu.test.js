'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const kehu = require('..')

const ROOT = path.resolve(__dirname, '..', '..', '..')
const golden = JSON.parse(fs.readFileSync(path.join(ROOT, 'testdata', 'golden_profile.json'), 'utf8'))
const MAPPING = { customerId: 'customer_id', timestamp: 'timestamp', amount: 'amount', orderId: 'order_id', category: 'category', channel: 'channel' }

function close (a, b, rel = 1e-12) {
  assert.ok(Math.abs(a - b) <= rel * Math.max(1, Math.abs(b)), `${a} vs ${b}`)
}

test('golden summary', () => {
  const s = golden.summary
  const got = kehu.summarize(golden.events, MAPPING, { observationPeriodEnd: golden.observation_end, freq: s.freq, freqMultiplier: s.freq_multiplier })
  assert.deepEqual(got.customerId, s.customer_id)
  for (const [mine, theirs] of [['frequency', 'frequency'], ['recency', 'recency'], ['T', 'T'], ['monetaryValue', 'monetary_value']]) {
    assert.equal(got[mine].length, s[theirs].length)
    got[mine].forEach((v, i) => close(v, s[theirs][i]))
  }
})

test('golden profiles and tags', () => {
  const got = kehu.profile(golden.events, MAPPING, { allowReturns: true, observationEnd: golden.observation_end, tags: golden.tag_rules })
  assert.equal(got.profiles.length, golden.profiles.length)
  assert.equal(got.report.accepted, golden.events.length)
  got.profiles.forEach((p, i) => {
    const e = golden.profiles[i]
    assert.equal(p.customerId, e.customer_id)
    for (const [k, ek] of [['totalSpend', 'total_spend'], ['avgOrderValue', 'avg_order_value'], ['tenureDays', 'tenure_days'], ['monetaryValue', 'monetary_value'], ['spendTrend', 'spend_trend'], ['returnedAmount', 'returned_amount'], ['T', 't']]) {
      close(p[k], e[ek])
    }
    assert.equal(p.orders, e.orders)
    assert.equal(p.preferredHour, e.preferred_hour)
    assert.equal(p.intervalStdDays ?? null, e.interval_std_days)
    assert.deepEqual(p.tags, golden.tags[i])
    assert.equal(Date.parse(p.firstPurchase + 'Z') * 1000, e.first_purchase)
  })
})

test('incremental profile equals batch and survives a save', () => {
  const byCustomer = new Map()
  for (const e of golden.events) {
    if (!byCustomer.has(e.customer_id)) byCustomer.set(e.customer_id, [])
    byCustomer.get(e.customer_id).push(e)
  }
  const expected = new Map(golden.profiles.map((p) => [p.customer_id, p]))
  for (const [id, events] of byCustomer) {
    let inc = new kehu.IncrementalProfile()
    for (const e of [...events].sort((a, b) => a.timestamp.localeCompare(b.timestamp))) {
      inc.add(e.timestamp, e.amount, { orderId: e.order_id, category: e.category, channel: e.channel })
    }
    inc = kehu.IncrementalProfile.fromJson(inc.toJson())
    const p = inc.profile(id, { observationEnd: golden.observation_end })
    if (!expected.has(id)) {
      assert.equal(p, null)
      continue
    }
    close(p.totalSpend, expected.get(id).total_spend)
    assert.equal(p.orders, expected.get(id).orders)
  }
})

test('rows, column arrays, Date and epoch-ms timestamps agree', () => {
  const rows = [
    { c: 'a', t: '2024-01-01', v: 10 },
    { c: 'a', t: '2024-01-08T10:00:00', v: 20 },
    { c: 'b', t: '2024-01-02', v: 5 }
  ]
  const m = { customerId: 'c', timestamp: 't', amount: 'v' }
  const opts = { observationPeriodEnd: '2024-03-31' }
  const a = kehu.summarize(rows, m, opts)
  const b = kehu.summarize({ c: rows.map((r) => r.c), t: rows.map((r) => new Date(r.t + (r.t.length === 10 ? 'T00:00:00Z' : 'Z'))), v: rows.map((r) => r.v) }, m, opts)
  const c = kehu.summarize({ c: rows.map((r) => r.c), t: rows.map((r) => Date.parse(r.t + (r.t.length === 10 ? 'T00:00:00Z' : 'Z'))), v: rows.map((r) => r.v) }, m, { ...opts, timestampUnit: 'ms' })
  for (const x of [b, c]) {
    assert.deepEqual(x.customerId, a.customerId)
    assert.deepEqual(Array.from(x.recency), Array.from(a.recency))
    assert.deepEqual(Array.from(x.T), Array.from(a.T))
  }
  assert.deepEqual(Array.from(a.frequency), [1, 0])
  assert.deepEqual(Array.from(a.recency), [7, 0])
  assert.deepEqual(Array.from(a.monetaryValue), [20, 0])
})

test('validation reports every bad row', () => {
  const rows = [
    { c: 'a', t: '2024-01-01', v: 1 },
    { c: null, t: '2024-01-01', v: 1 },
    { c: 'b', t: 'not a date', v: 1 },
    { c: 'c', t: '2024-01-02', v: NaN },
    { c: 'd', t: '2024-01-03', v: -2 },
    { c: 'e', t: '2030-01-01', v: 1 },
    { c: 'a', t: '2024-01-01', v: 1 },
    { c: 'f', t: '2024-01-04', v: Infinity }
  ]
  const r = kehu.validate(rows, { customerId: 'c', timestamp: 't', amount: 'v' }, { observationEnd: '2025-01-01' })
  assert.equal(r.totalRows, 8)
  assert.equal(r.accepted, 1)
  assert.deepEqual(r.rejected.map((x) => [x.row, x.field, x.reason]), [
    [1, 'customer_id', 'missing'],
    [2, 'timestamp', 'unparseable_timestamp'],
    [3, 'amount', 'not_finite'],
    [4, 'amount', 'negative'],
    [5, 'timestamp', 'after_observation_end'],
    [6, 'event', 'duplicate_event'],
    [7, 'amount', 'not_finite']
  ])
})

test('bad input is a KehuError with a stable code', () => {
  const rows = [{ c: 'a', t: '2024-01-01', v: 1 }, { c: 'b', t: '2024-02-01', v: 2 }]
  const m = { customerId: 'c', timestamp: 't', amount: 'v' }
  const cases = [
    [() => kehu.summarize([], m), 'DATA_EMPTY'],
    [() => kehu.summarize({ c: ['a'], t: ['2024-01-01'] }, { ...m }), 'DATA_MISSING_COLUMN'],
    [() => kehu.summarize(rows.map((r) => ({ ...r, v: 'x' })), m), 'DATA_WRONG_TYPE'],
    [() => kehu.summarize(rows.map((r) => ({ ...r, v: NaN })), m), 'DATA_REJECTED_ROW'],
    [() => kehu.summarize([{ c: 'a', t: 'soon', v: 1 }], m), 'DATA_REJECTED_ROW'],
    [() => kehu.summarize({ c: ['a', 'b'], t: ['2024-01-01'], v: [1, 2] }, m), 'DATA_LENGTH_MISMATCH'],
    [() => kehu.summarize(rows, m, { freq: 'fortnight' }), 'PROFILE_INVALID_OPTION'],
    [() => kehu.summarize(rows, { customerId: 'c' }), 'DATA_INVALID_OPTION'],
    [() => kehu.calibrationAndHoldout(rows, m, { calibrationPeriodEnd: '2024-06-01', observationPeriodEnd: '2024-07-01' }), 'PROFILE_NO_HOLDOUT_DATA'],
    [() => kehu.profile(rows, m, { tags: { x: 'nonsense >= 1' } }), 'PROFILE_INVALID_RULE'],
    [() => kehu.simulate({ customers: 0 }), 'SIMULATE_INVALID_CONFIG'],
    [() => kehu.IncrementalProfile.fromJson('{"format_version": 99, "kind": "profile_state"}'), 'FORMAT_NEWER_VERSION'],
    [() => kehu.IncrementalProfile.fromJson('{oops'), 'FORMAT_INVALID'],
    [() => new kehu.IncrementalProfile().add('2024-01-01', NaN), 'PROFILE_INVALID_EVENT']
  ]
  for (const [fn, code] of cases) {
    assert.throws(fn, (e) => e instanceof kehu.KehuError && e instanceof Error && e.code === code, code)
  }
})

test('the simulator is seeded', () => {
  const a = kehu.simulate({ customers: 200, seed: 3 })
  const b = kehu.simulate({ customers: 200, seed: 3 })
  assert.deepEqual(a.transactions.amount, b.transactions.amount)
  assert.equal(a.customers.length, 200)
  const r = kehu.validate(a.transactions, kehu.STANDARD_COLUMNS, { allowReturns: true, observationEnd: a.observationEnd })
  assert.ok(r.rejected.length > 0 && r.rejected.length < 0.05 * r.totalRows)
})

test('numbers become text by the core rule, as in Python (issue 11)', () => {
  const native = require('../native.js')
  assert.equal(native.numberText(1.0), '1')
  assert.equal(native.numberText(2.5), '2.5')
  assert.equal(native.numberText(1e21), '1000000000000000000000')
  assert.equal(native.numberText(1e-7), '0.0000001')
  assert.equal(native.numberText(NaN), null)
})

test('portrait features: the core decides the kinds; NaN is a missing number (issue 11)', () => {
  const p = kehu.portrait(['a', 'a', 'b'], [{ spend: 1, tier: 1 }, { spend: NaN, tier: 'gold' }, { spend: 3, tier: true }])
  const base = p.numeric.find((r) => r.feature === 'spend' && r.segment == null)
  assert.equal(base.missing, 1)
  assert.ok(!p.numeric.some((r) => r.feature === 'tier'))
  assert.deepEqual([...new Set(p.categories.map((r) => r.value))].sort(), ['1', 'gold', 'true'])
  const m = kehu.ValueModel.fit('bgnbd', [1, 2, 0, 3, 1], [5, 10, 0, 20, 3], [30, 30, 30, 30, 30], { penalizer: null, qConstraint: null })
  assert.equal(m.kind, 'bgnbd')
})

test('simulate returns the whole customer table: every attribute and consent channel, by the core\'s names', () => {
  const sim = kehu.simulate({ customers: 50, seed: 3 })
  assert.deepEqual(Object.keys(sim.customers[0]).sort(),
    ['age', 'consent_email', 'consent_push', 'consent_sms', 'customerId', 'gender', 'loyalty_member', 'region', 'signup_date'])
  assert.ok(sim.customers.every((c) => c.signup_date === null || c.signup_date instanceof Date))
  assert.ok(sim.customers.some((c) => typeof c.loyalty_member === 'boolean'))
  // The table goes back in as customers: rules on its attributes evaluate.
  const audience = new kehu.Audience({ members: { attribute: 'loyalty_member', op: '=', value: true } })
  const got = audience.evaluate({ asOf: sim.observationEnd, customers: sim.customers })
  assert.deepEqual(got.members.members, sim.customers.map((c) => c.loyalty_member === true))
})
