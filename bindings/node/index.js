'use strict'
// kehu for Node.js: turns row objects or column arrays into the native module's columns and
// native errors into KehuError. Every rule and default lives in the Rust core.

const native = require('./native.js')

/** Every error kehu throws: `code` is stable (e.g. DATA_MISSING_COLUMN), `area` the core's
 * area of it (data, profile, format, simulate, value or segment). */
class KehuError extends Error {
  constructor (message, code) {
    super(message)
    this.name = 'KehuError'
    this.code = code
    this.area = native.errorArea(code) ?? null
  }
}

/** The progress callback `setProgress` set (null: none). */
let onProgress = null

/**
 * Calls the addon: inside `native.guarded`, so that Ctrl-C (where a SIGINT listener handles
 * it) stops a long call with `CANCELLED`, and progress reaches `onProgress`.
 */
function call (fn) {
  // What the progress callback threw: the call is stopped and this is thrown instead.
  let failed = null
  const user = onProgress
  const progress = user && ((stage, done, total) => {
    if (failed !== null) return
    try {
      user(stage, done, total)
    } catch (e) {
      failed = e
      native.stopCall()
    }
  })
  try {
    let out
    native.guarded(() => { out = fn() }, process.listenerCount('SIGINT') > 0, progress ?? undefined)
    if (failed !== null) throw failed
    return out
  } catch (e) {
    if (failed !== null) throw failed
    if (e instanceof KehuError) throw e
    if (typeof e.code === 'string' && native.errorArea(e.code) != null) throw new KehuError(e.message, e.code)
    if (e.code === 'InvalidArg' || e.code === 'NumberExpected' || e.code === 'StringExpected') {
      throw new KehuError(`wrong type: ${e.message}`, 'DATA_WRONG_TYPE')
    }
    throw e
  }
}

const wrongType = (message) => new KehuError(message, 'DATA_WRONG_TYPE')

/** An array or a typed array: the list inputs kehu takes. */
function isList (v) {
  return Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView))
}

/** What a value is, for type errors: never the value itself (it may be customer data). */
function typeName (v) {
  if (v === null || v === undefined) return String(v)
  if (Array.isArray(v)) return 'an array'
  if (v instanceof Date) return 'a Date'
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`
}

/** An array of numbers (non-finite ones are the core's to judge); `nullable`: null/undefined → null. */
function numbers (values, name, { nullable = false } = {}) {
  if (!isList(values)) throw wrongType(`'${name}' must be an array of numbers, got ${typeName(values)}`)
  return Array.from(values, (v, i) => {
    if (typeof v === 'number') return v
    if (nullable && v == null) return null
    throw wrongType(`row ${i}, field '${name}': must be a number, got ${typeName(v)}`)
  })
}

/** An array of integers (napi would truncate 1.5 and wrap -1 for unsigned fields). */
function integers (values, name, { unsigned = false } = {}) {
  return numbers(values, name).map((v, i) => {
    if (Number.isInteger(v) && (!unsigned || (v >= 0 && v <= 0xffffffff))) return v
    throw wrongType(`row ${i}, field '${name}': must be a whole number${unsigned ? ' ≥ 0' : ''}`)
  })
}

/** A whole-number option (≥ 0) passed to an unsigned native field; `undefined` stays absent. */
function count (value, name, code) {
  if (value === undefined || (Number.isInteger(value) && value >= 0 && value <= 0xffffffff)) return value
  throw new KehuError(`invalid option '${name}': must be a whole number ≥ 0`, code)
}

/** Rows of numbers as a row-major Float64Array and its width: non-numbers and ragged rows are
 * type errors with the row and column (NaN and ±Infinity are left to the core, which rejects them). */
function matrix (rows, name = 'X') {
  if (!isList(rows)) throw wrongType(`'${name}' must be an array of rows, got ${typeName(rows)}`)
  const width = (row, i) => {
    if (!isList(row)) throw wrongType(`row ${i} of '${name}' must be an array of numbers, got ${typeName(row)}`)
    return row.length
  }
  const n = rows.length
  const d = n ? width(rows[0], 0) : 0
  const data = new Float64Array(n * d)
  for (let i = 0; i < n; i++) {
    const row = rows[i]
    const w = width(row, i)
    if (w !== d) throw new KehuError(`row ${i} of '${name}' has ${w} columns, expected ${d} (as row 0)`, 'DATA_LENGTH_MISMATCH')
    for (let j = 0; j < d; j++) {
      const v = row[j]
      if (typeof v !== 'number') throw wrongType(`row ${i}, field 'column ${j}': must be a number, got ${typeName(v)}`)
      data[i * d + j] = v
    }
  }
  return [data, d]
}

/** Throws for an option name not in `known` (the names the wrapper forwards). */
function knownOptions (options, known, what, code) {
  if (options == null) return {}
  if (typeof options !== 'object' || Array.isArray(options)) throw wrongType(`the options of ${what} must be an object, got ${typeName(options)}`)
  const unknown = Object.keys(options).find((k) => !known.includes(k))
  if (unknown !== undefined) {
    throw new KehuError(`invalid option '${unknown}': not an option of ${what}; use ${known.join(', ')}`, code)
  }
  return options
}

const snakeCase = (key) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)

/**
 * Every given option under its snake_case name (the core's serde reads scikit-learn's names
 * too; `convert`: converters of given values), as an object for the core's JSON, which rejects
 * unknown names.
 */
function coreOptions (options, what, convert = {}, code = 'SEGMENT_INVALID_OPTION') {
  if (options == null) return {}
  if (typeof options !== 'object' || Array.isArray(options)) throw wrongType(`the options of ${what} must be an object, got ${typeName(options)}`)
  const out = {}
  const from = {}
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue
    const name = snakeCase(key)
    if (name in out) {
      throw new KehuError(`invalid option '${key}': the same option as '${from[name]}' of ${what}`, code)
    }
    out[name] = convert[key] ? convert[key](value) : value
    from[name] = key
  }
  return out
}

/** The column names `simulate()` uses, usable as a mapping. */
const STANDARD_COLUMNS = Object.freeze({
  customerId: 'customerId',
  timestamp: 'timestamp',
  amount: 'amount',
  orderId: 'orderId',
  quantity: 'quantity',
  productId: 'productId',
  category: 'category',
  channel: 'channel'
})


function column (data, name) {
  if (Array.isArray(data)) {
    return data.map((row) => (row == null || row[name] === undefined ? null : row[name]))
  }
  const values = data[name]
  if (values === undefined) throw new KehuError(`missing column '${name}'`, 'DATA_MISSING_COLUMN')
  if (!isList(values)) throw wrongType(`column '${name}' must be an array, got ${typeName(values)}`)
  return Array.from(values, (v) => (v === undefined ? null : v))
}

/** Ids and labels as text: NaN is missing like null (validation reports it); objects and arrays
 * have no text of their own and are type errors. */
function toText (values, name) {
  return values.map((v, i) => {
    if (v == null || Number.isNaN(v)) return null
    if (typeof v === 'string') return v
    // Integers below 1e21 read the same in JS and in the core's rule; others ask the core.
    if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) < 1e21 ? String(v) : native.numberText(v)
    if (typeof v === 'boolean' || typeof v === 'bigint') return String(v)
    throw wrongType(`row ${i}, field '${name}': must be text or a number, got ${typeName(v)}`)
  })
}

function toNumbers (values, name) {
  return values.map((v, i) => {
    if (v == null || typeof v === 'number') return v
    throw wrongType(`row ${i}, field '${name}': must be a number, got ${typeName(v)}`)
  })
}

/** Options of the intake itself (how timestamps are read). */
const INTAKE = ['datetimeFormat', 'timestampUnit']

/** Timestamps: text and Dates as ISO text, or numbers, which the core reads with the
 * timestampUnit or datetimeFormat (it rejects numbers with neither). */
function timestamps (cols, times, name, { datetimeFormat, timestampUnit }) {
  let text = -1
  let number = -1
  times.forEach((v, i) => {
    if (v == null) return
    if (typeof v === 'string' || v instanceof Date) text = text < 0 ? i : text
    else if (typeof v === 'number') number = number < 0 ? i : number
    else throw wrongType(`row ${i}, field '${name}': a timestamp must be text, a Date or a number, got ${typeName(v)}`)
  })
  if (text >= 0 && number >= 0) {
    throw wrongType(`column '${name}' mixes numbers (row ${number}) with text or Dates (row ${text})`)
  }
  if (text >= 0) {
    cols.timestamp = times.map((v) => {
      if (v == null) return null
      if (v instanceof Date) return Number.isNaN(v.getTime()) ? 'invalid date' : v.toISOString()
      return v
    })
  } else {
    cols.timestampNumbers = times
    cols.timestampColumn = name
    if (timestampUnit !== undefined) cols.timestampUnit = timestampUnit
  }
  if (datetimeFormat !== undefined) cols.datetimeFormat = datetimeFormat
}

function toColumns (data, mapping, intake = {}) {
  if (data == null || typeof data !== 'object') {
    throw new KehuError('expected an array of row objects or an object of column arrays', 'DATA_WRONG_TYPE')
  }
  if (mapping == null || typeof mapping !== 'object') throw wrongType('the mapping must be an object of column names')
  const cols = {}
  for (const { field, column: name, kind } of call(() => native.columnMapping(mapping))) {
    const values = column(data, name)
    if (kind === 'timestamp') timestamps(cols, values, name, intake)
    else cols[field] = kind === 'number' ? toNumbers(values, name) : toText(values, name)
  }
  return cols
}

/** Tag rules as text for the core, which reads a document or a shorthand. */
function tagsJson (tags) {
  if (tags == null || typeof tags === 'string') return tags ?? undefined
  return JSON.stringify(tags)
}

function isoOf (value) {
  if (value == null) return undefined
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'invalid date' : value.toISOString()
  return String(value)
}

function summaryOptions (o) {
  return {
    observationPeriodEnd: isoOf(o.observationPeriodEnd),
    freq: o.freq,
    freqMultiplier: o.freqMultiplier,
    includeFirstTransaction: o.includeFirstTransaction
  }
}

/** lifetimes' summary: frequency, recency, T (and monetaryValue) per customer; rows after the
 * observation end are left out and counted in rowsAfterEnd. */
function summarize (data, mapping, options = {}) {
  const forwarded = summaryOptions(options ?? {})
  const o = knownOptions(options, [...INTAKE, ...Object.keys(forwarded)], 'summarize', 'PROFILE_INVALID_OPTION')
  return call(() => native.summarize(toColumns(data, mapping, o), forwarded))
}

/** Calibration summary plus holdout purchases per calibration customer. */
function calibrationAndHoldout (data, mapping, options = {}) {
  const forwarded = { calibrationPeriodEnd: isoOf(options?.calibrationPeriodEnd), ...summaryOptions(options ?? {}) }
  const o = knownOptions(options, [...INTAKE, ...Object.keys(forwarded)], 'calibrationAndHoldout', 'PROFILE_INVALID_OPTION')
  return call(() => native.calibrationAndHoldout(toColumns(data, mapping, o), forwarded))
}

function validationOptions (options) {
  return {
    allowReturns: options.allowReturns,
    observationEnd: isoOf(options.observationEnd),
    deduplicate: options.deduplicate,
    strict: options.strict
  }
}

/** Validates rows: counts and every rejected row (row, field, reason, detail). */
function validate (data, mapping, options = {}) {
  const forwarded = validationOptions(options ?? {})
  const o = knownOptions(options, [...INTAKE, ...Object.keys(forwarded)], 'validate', 'DATA_INVALID_OPTION')
  return call(() => native.validate(toColumns(data, mapping, o), forwarded))
}

function profileOptions (o) {
  return {
    observationEnd: isoOf(o.observationEnd),
    topN: count(o.topN, 'topN', 'PROFILE_INVALID_OPTION'),
    trendPeriods: count(o.trendPeriods, 'trendPeriods', 'PROFILE_INVALID_OPTION'),
    trendPeriodDays: count(o.trendPeriodDays, 'trendPeriodDays', 'PROFILE_INVALID_OPTION'),
    tags: tagsJson(o.tags)
  }
}

/** Validates and profiles: { profiles, report, withoutPurchases, rowsAfterEnd }. */
function profile (data, mapping, options = {}) {
  const o = options ?? {}
  const validation = validationOptions(o)
  const profiling = profileOptions(o)
  knownOptions(options, [...new Set([...INTAKE, ...Object.keys(validation), ...Object.keys(profiling)])], 'profile', 'PROFILE_INVALID_OPTION')
  return call(() => native.profile(toColumns(data, mapping, o), validation, profiling))
}

/** Simulates a customer base (same settings, same data, on every platform). */
function simulate (settings) {
  return call(() => {
    // Settings are the core's (snake_case; camelCase names are converted); it rejects unknown ones.
    const given = settings == null ? undefined : JSON.stringify(coreOptions(settings, 'simulate', {}, 'SIMULATE_INVALID_CONFIG'))
    const out = native.simulate(given)
    const { datetimeFormat, timestampNumbers, timestampUnit, timestampColumn, ...transactions } = out.transactions
    const customers = out.customerIds.map((customerId) => ({ customerId }))
    for (const { name, kind, numbers, texts, flags } of out.customerColumns) {
      const values = kind === 'number' ? numbers : kind === 'flag' ? flags : texts
      values.forEach((v, i) => { customers[i][name] = kind === 'date' && v != null ? new Date(v) : v })
    }
    return { customers, transactions, observationEnd: out.observationEnd }
  })
}

/** One customer's profile updated event by event (on a device, in a stream). */
class IncrementalProfile {
  constructor (state) {
    this._state = state || new native.IncrementalProfile()
  }

  add (timestamp, amount, extra = {}) {
    const { orderId, category, channel } = knownOptions(extra, ['orderId', 'category', 'channel'], 'IncrementalProfile.add', 'PROFILE_INVALID_OPTION')
    call(() => this._state.add(isoOf(timestamp), amount, orderId, category, channel))
  }

  profile (customerId, options = {}) {
    const forwarded = profileOptions(options ?? {})
    knownOptions(options, Object.keys(forwarded), 'IncrementalProfile.profile', 'PROFILE_INVALID_OPTION')
    return call(() => this._state.profile(customerId, forwarded))
  }

  toJson () {
    return this._state.toJson()
  }

  static fromJson (json) {
    return new IncrementalProfile(call(() => native.IncrementalProfile.fromJson(json)))
  }
}

/**
 * Per-customer inputs: arrays (or typed arrays) of numbers, or all numbers for one customer, as
 * lifetimes takes them; `out` gives the core's result back as a number in that case.
 */
function perCustomer (named) {
  const entries = Object.entries(named)
  const scalar = entries.map(([, v]) => typeof v === 'number')
  const one = scalar.every(Boolean)
  if (!one && scalar.some(Boolean)) {
    throw wrongType(`give ${entries.map(([n]) => `'${n}'`).join(', ')} all as numbers (one customer) or all as arrays`)
  }
  return {
    columns: entries.map(([n, v]) => (one ? [v] : numbers(v, n))),
    out: (result) => (one ? result[0] : result)
  }
}

/**
 * A fitted value model (BG/NBD, MBG/NBD, Pareto/NBD, BG/BB or Gamma-Gamma). `model` is the core's
 * model, held natively; JSON only through `toJson` / `fromJson`.
 */
class ValueModel {
  constructor (model, report) {
    this.model = model
    this.report = report || null
  }

  /** Fits `kind` (bgnbd, mbgnbd, pnbd, bgbb: frequency, recency, T; gamma_gamma: frequency,
   * monetary value). options: { weights, penalizer, qConstraint (gamma_gamma: keep q ≥ 1) }. */
  static fit (kind, a, b, c, options = {}) {
    const { weights, penalizer, qConstraint } = knownOptions(options, ['weights', 'penalizer', 'qConstraint'], 'ValueModel.fit', 'VALUE_INVALID_OPTION')
    const given = JSON.stringify({ kind, penalizer: penalizer ?? undefined, q_constraint: qConstraint ?? undefined })
    const r = call(() => native.fitValueModel(given, numbers(a, 'a'), numbers(b, 'b'), c == null ? undefined : numbers(c, 'c'),
      weights == null ? undefined : numbers(weights, 'weights')))
    const { model, ...report } = r
    return new ValueModel(model, report)
  }

  static fromJson (json) {
    return new ValueModel(call(() => native.FittedValueModel.fromJson(json)))
  }

  toJson () {
    return this.model.toJson()
  }

  /** bgnbd, mbgnbd, pnbd, bgbb or gamma_gamma. */
  get kind () {
    return this.model.kind
  }

  /** Parameter names and values, in the model's order. */
  get params () {
    return Object.fromEntries(this.model.params.map((p) => [p.name, p.value]))
  }

  conditionalExpectedPurchases (horizon, frequency, recency, T) {
    const c = perCustomer({ frequency, recency, T })
    return c.out(call(() => this.model.conditionalExpectedPurchases(horizon, ...c.columns)))
  }

  probabilityAlive (frequency, recency, T) {
    const c = perCustomer({ frequency, recency, T })
    return c.out(call(() => this.model.probabilityAlive(...c.columns)))
  }

  /** Discounted expected residual transactions (pnbd: continuous rate per time unit; bgbb: per opportunity). */
  discountedExpectedResidualTransactions (rate, frequency, recency, T) {
    const c = perCustomer({ frequency, recency, T })
    return c.out(call(() => this.model.discountedExpectedResidualTransactions(rate, ...c.columns)))
  }

  /** P(X(t) = n) for a customer just acquired: a number for a number n, an array for an array. */
  probabilityOfPurchases (n, t) {
    const c = perCustomer({ n })
    return c.out(call(() => this.model.probabilityOfPurchases(...c.columns, t)))
  }

  /** P(n purchases in the next t time units) per customer (a number for numbers). */
  conditionalProbabilityOfPurchases (n, t, frequency, recency, T) {
    const c = perCustomer({ frequency, recency, T })
    return c.out(call(() => this.model.conditionalProbabilityOfPurchases(n, t, ...c.columns)))
  }

  /**
   * Predicted against actual holdout purchases by calibration frequency, from
   * `calibrationAndHoldout`'s result (`maxFrequency`: the core's default, 7, when absent).
   */
  holdoutCheck (holdout, maxFrequency) {
    const c = holdout.calibration
    const duration = new Array(c.frequency.length).fill(holdout.durationHoldout)
    return call(() => this.model.holdoutCheck(numbers(c.frequency, 'frequency'), numbers(c.recency, 'recency'),
      numbers(c.T, 'T'), numbers(holdout.frequencyHoldout, 'frequencyHoldout'), duration,
      count(maxFrequency, 'maxFrequency', 'VALUE_INVALID_OPTION')))
  }

  /** Customers by calibration repeat purchases: counted and expected by the model. */
  periodTransactions (frequency, T, maxFrequency) {
    return call(() => this.model.periodTransactions(numbers(frequency, 'frequency'), numbers(T, 'T'),
      count(maxFrequency, 'maxFrequency', 'VALUE_INVALID_OPTION')))
  }

  /**
   * CLV per customer (a number for numbers); options: months, discountRate, margin,
   * unitsPerMonth (the core's defaults where absent).
   */
  customerLifetimeValue (spendModel, frequency, recency, T, monetaryValue, options = {}) {
    const forwarded = coreOptions(options ?? {}, 'customerLifetimeValue', {}, 'VALUE_INVALID_OPTION')
    const c = perCustomer({ frequency, recency, T, monetaryValue })
    if (!(spendModel instanceof ValueModel)) throw wrongType('\'spendModel\' must be a ValueModel')
    return c.out(call(() => this.model.customerLifetimeValue(spendModel.model, ...c.columns, JSON.stringify(forwarded))))
  }
}

/**
 * RFM scores: { R, F, M } arrays of 1…bins, and `bins` (the bins of R, F and M, which
 * `SegmentMap.assign` checks against the map's score range). `recency` in days (fewer days score higher).
 * options: { bins = 5, ties = 'mid' | 'min' | 'max' | 'first', cutOffs, recencyEdges,
 * frequencyEdges, monetaryEdges }.
 */
function rfmScores (recency, frequency, monetary, options = {}) {
  const o = knownOptions(options, ['bins', 'ties', 'cutOffs', 'recencyEdges', 'frequencyEdges', 'monetaryEdges'], 'rfmScores', 'SEGMENT_INVALID_OPTION')
  // What is given is passed as given (bins 0 included): the core checks it and holds the
  // defaults and the rule of which binning applies.
  const list = (v, name) => v == null ? undefined : numbers(v, name)
  const opts = {
    bins: o.bins ?? undefined,
    ties: o.ties ?? undefined,
    cut_offs: list(o.cutOffs, 'cutOffs'),
    recency_edges: list(o.recencyEdges, 'recencyEdges'),
    frequency_edges: list(o.frequencyEdges, 'frequencyEdges'),
    monetary_edges: list(o.monetaryEdges, 'monetaryEdges')
  }
  const s = call(() => native.rfmScoresOf(numbers(recency, 'recency'), numbers(frequency, 'frequency'), numbers(monetary, 'monetary'), JSON.stringify(opts)))
  return s.bins == null ? { R: s.r, F: s.f, M: s.m } : { R: s.r, F: s.f, M: s.m, bins: s.bins }
}

/** Segment maps: `SegmentMap.builtin('rf10' | 'rfm8')`, `SegmentMap.fromCodeTable(csvText)`. */
class SegmentMap {
  constructor (json) {
    this.json = json
  }

  static builtin (name) {
    return new SegmentMap(call(() => native.segmentMapJson(name, undefined)))
  }

  static fromCodeTable (text) {
    return new SegmentMap(call(() => native.segmentMapJson(undefined, text)))
  }

  static fromJson (json) {
    call(() => native.segmentsOf(json, [], [], []))
    return new SegmentMap(json)
  }

  toJson () {
    return this.json
  }

  /** Each customer's segment from { R, F, M } scores (null where no rule matches). */
  assign (scores) {
    return call(() => native.segmentsOf(this.json, integers(scores.R, 'R'), integers(scores.F, 'F'), integers(scores.M, 'M'), scores.bins ?? undefined))
  }
}

/** init: a name, rows of centres, or the core's own { kind, ... } object. */
function kmeansInit (init) {
  if (isList(init)) return { kind: 'centers', centers: Array.from(matrix(init, 'init')[0]) }
  if (typeof init === 'string') return { kind: init } // the core reads 'k-means++', 'random', 'k-means||'
  return init
}

const weightsOf = (sampleWeight) => (sampleWeight == null ? undefined : numbers(sampleWeight, 'sampleWeight'))

/** k-means (scikit-learn semantics, deterministic for a seed): fit on an array of rows. */
class KMeans {
  constructor (options = {}) {
    this.options = options
  }

  /** Every given option for the core (which holds the defaults: k 8, k-means++, ...). */
  _options (what = 'KMeans') {
    return JSON.stringify(coreOptions(this.options, what, { init: kmeansInit }))
  }

  fit (rows, options = {}) {
    const { sampleWeight } = knownOptions(options, ['sampleWeight'], 'KMeans.fit', 'SEGMENT_INVALID_OPTION')
    const [data, d] = matrix(rows)
    const r = call(() => native.kmeansFit(data, d, this._options(), weightsOf(sampleWeight)))
    this.model = r.model
    this.labels = r.labels
    this.inertia = r.inertia
    this.nIter = r.nIter
    return this
  }

  /** Centres, one array of d values each. */
  get clusterCenters () {
    return this.model.centers
  }

  predict (rows) {
    const [data, d] = matrix(rows)
    return call(() => this.model.predict(data, rows.length ? d : undefined))
  }

  toJson () {
    return this.model.toJson()
  }

  /** A model saved by any binding (`this.model` is the core's model, held natively). */
  static fromJson (json) {
    const m = new KMeans()
    m.model = call(() => native.KMeansModel.fromJson(json))
    return m
  }
}

/**
 * Mini-batch k-means for data that does not fit in memory: fit(rows) by random batches, or
 * partialFit(batch) one batch at a time; stateJson() saves the training state and
 * MiniBatchKMeans.fromState(json) continues it (in any binding). Options as KMeans, plus
 * batchSize, maxNoImprovement, initSize, reassignmentRatio.
 */
class MiniBatchKMeans extends KMeans {
  fit (rows, options = {}) {
    const { sampleWeight } = knownOptions(options, ['sampleWeight'], 'MiniBatchKMeans.fit', 'SEGMENT_INVALID_OPTION')
    const [data, d] = matrix(rows)
    const r = call(() => native.minibatchFit(data, d, this._options('MiniBatchKMeans'), weightsOf(sampleWeight)))
    Object.assign(this, { state: r.state, model: r.state.model, labels: r.labels, inertia: r.inertia, nIter: r.nIter, nSteps: r.nSteps })
    return this
  }

  partialFit (rows, options = {}) {
    const { sampleWeight } = knownOptions(options, ['sampleWeight'], 'MiniBatchKMeans.partialFit', 'SEGMENT_INVALID_OPTION')
    const [data, d] = matrix(rows)
    const state = call(() => native.MiniBatchState.partialFit(this.state, data, d, this._options('MiniBatchKMeans'), weightsOf(sampleWeight)))
    Object.assign(this, { state, model: state.model, nSteps: state.steps })
    return this
  }

  stateJson () {
    return this.state.toJson()
  }

  static fromState (json) {
    const m = new MiniBatchKMeans()
    m.state = call(() => native.MiniBatchState.fromJson(json))
    m.model = m.state.model
    m.nSteps = m.state.steps
    return m
  }
}

/**
 * Segment portraits (画像): segments (one label or null per customer) and features (an array of
 * row objects); numeric fields give mean, quartiles and index against the base, others their
 * top values with share and lift. Returns { numeric: [...], categories: [...] }.
 */
function portrait (segments, features, options = {}) {
  const { top } = knownOptions(options, ['top'], 'portrait', 'SEGMENT_INVALID_OPTION')
  if (!isList(features)) throw wrongType(`'features' must be an array of row objects, got ${typeName(features)}`)
  features.forEach((f, i) => {
    if (f == null || typeof f !== 'object' || Array.isArray(f)) throw wrongType(`row ${i} of 'features' must be an object, got ${typeName(f)}`)
  })
  // Each column as given values: the core decides which are numeric (the same rule as Python).
  const names = [...new Set(features.flatMap((f) => Object.keys(f)))]
  // NaN is a missing feature value here, as the numeric portrait counts it (and as in Python).
  const columns = names.map((name) => ({ name, values: JSON.stringify(features.map((f) => givenValue(Number.isNaN(f[name]) ? null : f[name]))) }))
  if (!isList(segments)) throw wrongType(`'segments' must be an array, got ${typeName(segments)}`)
  const seg = toText(Array.from(segments), 'segments')
  const [n, c] = call(() => native.portraitOf(seg, columns, top == null ? undefined : count(top, 'top', 'SEGMENT_INVALID_OPTION')))
  return { numeric: JSON.parse(n), categories: JSON.parse(c) }
}

/** Gaussian mixture by EM (scikit-learn semantics): fit on an array of rows. */
class GaussianMixture {
  constructor (options = {}) {
    // Every given option goes to the core, which holds the defaults and rejects unknown names.
    this.options = coreOptions(options, 'GaussianMixture')
  }

  fit (rows) {
    const [data, d] = matrix(rows)
    const r = call(() => native.gmmFit(data, d, JSON.stringify(this.options)))
    Object.assign(this, { model: r.model, converged: r.converged, nIter: r.nIter, lowerBound: r.lowerBound })
    return this
  }

  /** Responsibilities, one array of k per row. */
  predictProba (rows) {
    const [data, d] = matrix(rows)
    const flat = call(() => this.model.predictProba(data, rows.length ? d : undefined))
    const k = this.model.k
    const out = []
    for (let i = 0; i < flat.length; i += k) out.push(Array.from(flat.slice(i, i + k)))
    return out
  }

  bic (rows) {
    const [data, d] = matrix(rows)
    return call(() => this.model.bic(data, rows.length ? d : undefined))
  }

  /** The most probable component of each row. */
  predict (rows) {
    const [data, d] = matrix(rows)
    return call(() => this.model.predict(data, rows.length ? d : undefined))
  }

  /** A mixture saved by any binding (held natively, prepared once). */
  static fromJson (json) {
    const m = new GaussianMixture()
    m.model = call(() => native.GaussianMixtureModel.fromJson(json))
    return m
  }

  toJson () {
    return this.model.toJson()
  }
}

/**
 * Numeric columns (row-major; null, undefined and NaN = missing) and categorical columns (text
 * or null) of rows. Ragged rows, non-numbers in numeric columns, objects in categorical ones and
 * categorical indices outside the rows are type errors with the row and column.
 */
/** Rows of numbers and categories as JSON rows of the core's given values, and the categorical
 * column indices: the core splits them (which values a numeric or a category column takes). */
function mixedRows (rows, categorical) {
  if (!isList(rows)) throw wrongType(`'X' must be an array of rows, got ${typeName(rows)}`)
  const given = Array.from(rows, (row, i) => {
    if (!isList(row)) throw wrongType(`row ${i} of 'X' must be an array, got ${typeName(row)}`)
    return Array.from(row, givenValue)
  })
  // No indices: the core's layout (k-modes: every column; predict: the fitted table's).
  return [JSON.stringify(given), categorical == null ? undefined : integers(categorical, 'categorical')]
}

/** init: a name, [numeric centres, category centres], or the core's own { kind, ... } object. */
function modesInit (init) {
  if (isList(init)) {
    if (init.length !== 2) throw wrongType(`'init' must be [numeric centres, category centres], got ${init.length} parts`)
    const numeric = Array.from(matrix(init[0], 'init[0]')[0])
    if (!isList(init[1])) throw wrongType(`'init[1]' must be an array of rows, got ${typeName(init[1])}`)
    const categorical = init[1].flatMap((row, i) => {
      if (!isList(row)) throw wrongType(`row ${i} of 'init[1]' must be an array, got ${typeName(row)}`)
      return toText(Array.from(row), 'init[1]')
    })
    return { kind: 'centers', numeric, categorical }
  }
  return init // a name ('k-prototypes++', 'Cao', 'huang', any case) or { kind, ... }: the core reads both
}

/** gamma: one number, one per categorical column, or the core's own { kind, value } object. */
function gammaOf (gamma) {
  if (isList(gamma)) return { kind: 'per_column', value: numbers(gamma, 'gamma') }
  if (typeof gamma === 'number') return { kind: 'all', value: gamma }
  return gamma
}

/**
 * k-prototypes for rows of numbers and categories (kmodes' semantics, batch iterations):
 * fit(rows, { categorical: [column indices] }). Options: nClusters, init ('k-prototypes++',
 * 'Cao', 'Huang', 'random' or [numeric centres, category centres]), nInit, maxIter, gamma (one
 * number or one per categorical column), seed.
 */
class KPrototypes {
  constructor (options = {}) {
    this.options = options
  }

  _options () {
    // Every given option goes to the core, which holds the defaults and rejects unknown names.
    return JSON.stringify(coreOptions(this.options, this.constructor.name, { init: modesInit, gamma: gammaOf }))
  }

  fit (rows, options = {}) {
    const { categorical = [], sampleWeight } = knownOptions(options, ['categorical', 'sampleWeight'], `${this.constructor.name}.fit`, 'SEGMENT_INVALID_OPTION')
    const [given, indices] = mixedRows(rows, categorical)
    const r = call(() => native.kprototypesFit(given, indices, this._options(), weightsOf(sampleWeight)))
    Object.assign(this, { model: r.model, labels: r.labels, cost: r.cost, nIter: r.nIter, notes: r.notes, categorical })
    return this
  }

  predict (rows) {
    return call(() => this.model.predict(...mixedRows(rows, this.categorical)))
  }

  /** Centres: the numeric parts, then the modes. */
  get clusterCentroids () {
    const modes = this.model.modeValues
    return this.model.numericCentres.map((numeric, c) => [...numeric, ...modes[c]])
  }

  get gamma () {
    return this.model.gamma
  }

  toJson () {
    return this.model.toJson()
  }

  /** A saved model; it scores rows laid out as those it was fitted on (or give
   * `categorical`, the column indices of the rows given to predict). */
  static fromJson (json, categorical) {
    const m = new this()
    m.model = call(() => native.KPrototypesModel.fromJson(json))
    m.categorical = categorical
    return m
  }
}

/** k-modes: k-prototypes on rows of categories only (every column categorical, γ = 1). */
class KModes extends KPrototypes {
  fit (rows, options = {}) {
    const { sampleWeight } = knownOptions(options, ['sampleWeight'], 'KModes.fit', 'SEGMENT_INVALID_OPTION')
    return super.fit(rows, { categorical: null, sampleWeight })
  }
}

/** A JS value as the core's given attribute value (the core infers each column's kind from
 * them, by the same rule as in every binding). */
function givenValue (v) {
  if (v == null || typeof v === 'boolean' || typeof v === 'string') return v ?? null
  if (typeof v === 'number') return Number.isFinite(v) ? v : { other: 'non-finite number' }
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : { other: 'BigInt beyond 2^53' }
  if (v instanceof Date) return { time: Number.isNaN(v.getTime()) ? null : v.getTime() * 1000 }
  return { other: typeName(v) }
}

/** Customer attributes: per attribute, its values as JSON given values. */
function attributeColumns (customers, idKey) {
  const names = [...new Set(customers.flatMap((c) => Object.keys(c)))].filter((k) => k !== idKey)
  return names.map((name) => ({ name, values: JSON.stringify(customers.map((c) => givenValue(c[name]))) }))
}

/**
 * Rule audiences (see the core's documentation for the rule tree): new Audience(rules) with an
 * audiences document, a list of { name, rule } or an object name -> rule; evaluate({ asOf,
 * transactions, mapping, customers, segments }) returns { ids, members: { name: boolean[] } }.
 */
class Audience {
  /** rules: an audiences document (text or object), a list of {name, rule} or an object of
   * rules by name, read by the core. */
  constructor (rules) {
    const given = typeof rules === 'string' ? rules : JSON.stringify(rules ?? null)
    this.handle = call(() => native.AudiencesHandle.fromGiven(given))
    this.names = this.handle.names
  }

  evaluate ({ asOf, transactions, mapping, customers, customerIdKey = 'customerId', segments, datetimeFormat, timestampUnit, ...validation } = {}) {
    knownOptions(validation, Object.keys(validationOptions({})), 'Audience.evaluate', 'SEGMENT_INVALID_OPTION')
    const columns = transactions ? toColumns(transactions, mapping, { datetimeFormat, timestampUnit }) : undefined
    if (customers != null && !isList(customers)) throw wrongType(`'customers' must be an array of objects, got ${typeName(customers)}`)
    const ids = customers ? toText(customers.map((c) => (c == null ? null : c[customerIdKey])), customerIdKey) : undefined
    const attributes = customers ? attributeColumns(customers, customerIdKey) : undefined
    const segs = segments
      ? Object.entries(segments).map(([name, labels]) => {
        const entries = labels instanceof Map ? [...labels.entries()] : Object.entries(labels)
        return { name, ids: toText(entries.map(([id]) => id), `segments.${name}`), labels: toText(entries.map(([, l]) => l), `segments.${name}`) }
      })
      : undefined
    const r = call(() => this.handle.evaluate(isoOf(asOf), columns, validationOptions(validation), ids, attributes, segs))
    return { ids: r.ids, members: Object.fromEntries(r.names.map((n, i) => [n, r.members[i]])), report: r.report }
  }

  toJson () {
    return this.handle.toJson()
  }
}

/**
 * Lifecycle stages (prospect, new, active, at_risk, lapsed, lost); a null tenure marks a
 * prospect. rule: overrides such as { kind: 'alive', active: 0.8 } (core defaults otherwise).
 */
function lifecycleStages (tenureDays, daysSinceLast, { probabilityAlive, intervalP80Days, ...rule } = {}) {
  // The rule's settings are the core's (camelCase names converted); it rejects unknown ones.
  const settings = coreOptions(rule, 'lifecycleStages')
  return call(() => native.lifecycleStagesOf(numbers(tenureDays, 'tenureDays', { nullable: true }), numbers(daysSinceLast, 'daysSinceLast'),
    probabilityAlive == null ? undefined : numbers(probabilityAlive, 'probabilityAlive'),
    intervalP80Days == null ? undefined : numbers(intervalP80Days, 'intervalP80Days', { nullable: true }),
    Object.keys(settings).length ? JSON.stringify(settings) : undefined))
}

/** silhouette | calinski_harabasz | davies_bouldin of a labelling of rows. */
function clusterScore (which, rows, labels) {
  const [data, d] = matrix(rows)
  return call(() => native.clusterScore(which, data, d, integers(labels, 'labels', { unsigned: true })))
}

/** Tier of each value: 0 for the top cutOffs[0] share, … cutOffs.length for the rest. */
function valueTiers (values, cutOffs) {
  return call(() => native.valueTiersOf(numbers(values, 'values'), cutOffs === undefined ? undefined : numbers(cutOffs, 'cutOffs')))
}

/**
 * Sets the callback `(stage, done, total)` that receives the progress of kehu's long calls
 * (value fits, k-means seeding and runs, Gaussian mixtures, k-prototypes, mini-batch steps,
 * silhouette scores, k sweeps); `null` removes it. Each stage reports `done = 0` first and
 * `done = total` when it ends (also when it ends early); in between at most one report per
 * 100 ms. The callback runs on the calling thread, during the call.
 */
function setProgress (callback) {
  if (callback != null && typeof callback !== 'function') {
    throw new KehuError('setProgress takes a function or null', 'DATA_WRONG_TYPE')
  }
  onProgress = callback ?? null
}

module.exports = {
  setProgress,
  // The fitted models' native handles (as `model` / `state` of the estimators).
  KMeansModel: native.KMeansModel,
  MiniBatchState: native.MiniBatchState,
  GaussianMixtureModel: native.GaussianMixtureModel,
  KPrototypesModel: native.KPrototypesModel,
  FittedValueModel: native.FittedValueModel,
  rfmScores,
  SegmentMap,
  KMeans,
  MiniBatchKMeans,
  portrait,
  GaussianMixture,
  KPrototypes,
  KModes,
  Audience,
  lifecycleStages,
  clusterScore,
  ValueModel,
  valueTiers,
  KehuError,
  STANDARD_COLUMNS,
  summarize,
  calibrationAndHoldout,
  validate,
  profile,
  simulate,
  IncrementalProfile,
  formatVersion: native.formatVersion
}
