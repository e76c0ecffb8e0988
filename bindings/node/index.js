'use strict'
// kehu for Node.js: turns row objects or column arrays into the native module's columns and
// native errors into KehuError. Every rule and default lives in the Rust core.

const native = require('./native.js')

/** Every error kehu throws: `code` is stable (e.g. DATA_MISSING_COLUMN), `area` its prefix. */
class KehuError extends Error {
  constructor (message, code) {
    super(message)
    this.name = 'KehuError'
    this.code = code
    this.area = code.split('_')[0].toLowerCase()
  }
}

const CODE = /^(DATA|PROFILE|FORMAT|SIMULATE|VALUE|SEGMENT)_[A-Z_]+$/

function call (fn) {
  try {
    return fn()
  } catch (e) {
    if (e instanceof KehuError) throw e
    if (typeof e.code === 'string' && CODE.test(e.code)) throw new KehuError(e.message, e.code)
    if (e.code === 'InvalidArg' || e.code === 'NumberExpected' || e.code === 'StringExpected') {
      throw new KehuError(`wrong type: ${e.message}`, 'DATA_WRONG_TYPE')
    }
    throw e
  }
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

const FIELDS = Object.keys(STANDARD_COLUMNS)
const TEXT_FIELDS = ['orderId', 'productId', 'category', 'channel']

function column (data, name) {
  if (Array.isArray(data)) {
    return data.map((row) => (row == null || row[name] === undefined ? null : row[name]))
  }
  const values = data[name]
  if (values === undefined) throw new KehuError(`missing column '${name}'`, 'DATA_MISSING_COLUMN')
  return Array.from(values, (v) => (v === undefined ? null : v))
}

function toText (values) {
  return values.map((v) => (v == null ? null : typeof v === 'string' ? v : String(v)))
}

function toColumns (data, mapping, datetimeFormat) {
  if (data == null || typeof data !== 'object') {
    throw new KehuError('expected an array of row objects or an object of column arrays', 'DATA_WRONG_TYPE')
  }
  if (mapping == null || !mapping.customerId || !mapping.timestamp) {
    throw new KehuError('the mapping needs customerId and timestamp column names', 'DATA_INVALID_OPTION')
  }
  const unknown = Object.keys(mapping).find((k) => !FIELDS.includes(k))
  if (unknown) throw new KehuError(`'${unknown}' is not a transaction field; use ${FIELDS.join(', ')}`, 'DATA_INVALID_OPTION')
  const cols = { customerId: toText(column(data, mapping.customerId)) }
  const times = column(data, mapping.timestamp)
  const textual = times.some((v) => typeof v === 'string' || v instanceof Date)
  if (textual) {
    cols.timestamp = times.map((v) => {
      if (v == null) return null
      if (v instanceof Date) return Number.isNaN(v.getTime()) ? 'invalid date' : v.toISOString()
      if (typeof v === 'number') return Number.isFinite(v) ? new Date(v).toISOString() : String(v)
      return String(v)
    })
  } else {
    cols.timestampMs = times
  }
  if (datetimeFormat) cols.datetimeFormat = datetimeFormat
  for (const field of ['amount', 'quantity', ...TEXT_FIELDS]) {
    if (!mapping[field]) continue
    const values = column(data, mapping[field])
    cols[field] = TEXT_FIELDS.includes(field) ? toText(values) : values
  }
  return cols
}

function tagsJson (tags) {
  if (tags == null || typeof tags === 'string') return tags ?? undefined
  const version = native.formatVersion()
  if (Array.isArray(tags)) return JSON.stringify({ format_version: version, kind: 'tag_rules', tags })
  if (tags.tags) return JSON.stringify({ format_version: version, kind: 'tag_rules', ...tags })
  const rules = Object.entries(tags).map(([name, when]) => ({ name, when }))
  return JSON.stringify({ format_version: version, kind: 'tag_rules', tags: rules })
}

function isoOf (value) {
  if (value == null) return undefined
  return value instanceof Date ? value.toISOString() : String(value)
}

/** lifetimes' summary: frequency, recency, T (and monetaryValue) per customer. */
function summarize (data, mapping, options = {}) {
  return call(() => native.summarize(toColumns(data, mapping, options.datetimeFormat), {
    observationPeriodEnd: isoOf(options.observationPeriodEnd),
    freq: options.freq,
    freqMultiplier: options.freqMultiplier,
    includeFirstTransaction: options.includeFirstTransaction
  }))
}

/** Calibration summary plus holdout purchases per calibration customer. */
function calibrationAndHoldout (data, mapping, options) {
  return call(() => native.calibrationAndHoldout(toColumns(data, mapping, options.datetimeFormat), {
    calibrationPeriodEnd: isoOf(options.calibrationPeriodEnd),
    observationPeriodEnd: isoOf(options.observationPeriodEnd),
    freq: options.freq,
    freqMultiplier: options.freqMultiplier,
    includeFirstTransaction: options.includeFirstTransaction
  }))
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
  return call(() => native.validate(toColumns(data, mapping, options.datetimeFormat), validationOptions(options)))
}

/** Validates and profiles: { profiles, report, withoutPurchases }. */
function profile (data, mapping, options = {}) {
  return call(() => native.profile(
    toColumns(data, mapping, options.datetimeFormat),
    validationOptions(options),
    {
      observationEnd: isoOf(options.observationEnd),
      topN: options.topN,
      trendPeriods: options.trendPeriods,
      trendPeriodDays: options.trendPeriodDays,
      tags: tagsJson(options.tags)
    }
  ))
}

/** Simulates a customer base (same settings, same data, on every platform). */
function simulate (settings) {
  return call(() => {
    const out = native.simulate(settings ? JSON.stringify(settings) : undefined)
    const { datetimeFormat, timestampMs, ...transactions } = out.transactions
    const customers = out.customerIds.map((customerId, i) => ({
      customerId,
      age: out.ages[i],
      consentEmail: out.consentEmail[i]
    }))
    return { customers, transactions, observationEnd: out.observationEnd }
  })
}

/** One customer's profile updated event by event (on a device, in a stream). */
class IncrementalProfile {
  constructor (state) {
    this._state = state || new native.IncrementalProfile()
  }

  add (timestamp, amount, { orderId, category, channel } = {}) {
    call(() => this._state.add(isoOf(timestamp), amount, orderId, category, channel))
  }

  profile (customerId, options = {}) {
    return call(() => this._state.profile(customerId, {
      observationEnd: isoOf(options.observationEnd),
      topN: options.topN,
      trendPeriods: options.trendPeriods,
      trendPeriodDays: options.trendPeriodDays,
      tags: tagsJson(options.tags)
    }))
  }

  toJson () {
    return this._state.toJson()
  }

  static fromJson (json) {
    return new IncrementalProfile(call(() => native.IncrementalProfile.fromJson(json)))
  }
}

/** A fitted value model (BG/NBD, MBG/NBD, Pareto/NBD, BG/BB or Gamma-Gamma), saved as versioned JSON. */
class ValueModel {
  constructor (json, report) {
    this.json = json
    this.report = report || null
  }

  /** Fits `kind` (bgnbd, mbgnbd, pnbd, bgbb: frequency, recency, T; gamma_gamma: frequency, monetary value). */
  static fit (kind, a, b, c, { weights, penalizer } = {}) {
    const r = call(() => native.fitValueModel(kind, Array.from(a), Array.from(b), c ? Array.from(c) : undefined,
      weights ? Array.from(weights) : undefined, penalizer))
    return new ValueModel(r.model, r)
  }

  static fromJson (json) {
    call(() => native.probabilityAlive(json, [], [], []))
    return new ValueModel(json)
  }

  toJson () {
    return this.json
  }

  get params () {
    const doc = JSON.parse(this.json)
    delete doc.format_version
    delete doc.kind
    return doc
  }

  conditionalExpectedPurchases (horizon, frequency, recency, T) {
    return call(() => native.conditionalExpectedPurchases(this.json, horizon, Array.from(frequency), Array.from(recency), Array.from(T)))
  }

  probabilityAlive (frequency, recency, T) {
    return call(() => native.probabilityAlive(this.json, Array.from(frequency), Array.from(recency), Array.from(T)))
  }

  /** Discounted expected residual transactions (pnbd: continuous rate per time unit; bgbb: per opportunity). */
  discountedExpectedResidualTransactions (rate, frequency, recency, T) {
    return call(() => native.discountedExpectedResidualTransactions(this.json, rate, Array.from(frequency), Array.from(recency), Array.from(T)))
  }

  /** P(X(t) = n) for a customer just acquired, for each n (a number or an array). */
  probabilityOfPurchases (n, t) {
    return call(() => native.probabilityOfPurchases(this.json, Array.isArray(n) ? n : [n], t))
  }

  /** P(n purchases in the next t time units) per customer. */
  conditionalProbabilityOfPurchases (n, t, frequency, recency, T) {
    return call(() => native.conditionalProbabilityOfPurchases(this.json, n, t, Array.from(frequency), Array.from(recency), Array.from(T)))
  }

  /** Predicted against actual holdout purchases by calibration frequency, from `calibrationAndHoldout`'s result. */
  holdoutCheck (holdout, maxFrequency = 7) {
    const c = holdout.calibration
    const duration = new Array(c.frequency.length).fill(holdout.durationHoldout)
    return call(() => native.holdoutCheckOf(this.json, Array.from(c.frequency), Array.from(c.recency), Array.from(c.T),
      Array.from(holdout.frequencyHoldout), duration, maxFrequency))
  }

  /** Customers by calibration repeat purchases: counted and expected by the model. */
  periodTransactions (frequency, T, maxFrequency = 7) {
    return call(() => native.periodTransactionsOf(this.json, Array.from(frequency), Array.from(T), maxFrequency))
  }

  customerLifetimeValue (spendModel, frequency, recency, T, monetaryValue, options = {}) {
    return call(() => native.customerLifetimeValueOf(this.json, spendModel.toJson(), Array.from(frequency),
      Array.from(recency), Array.from(T), Array.from(monetaryValue), options))
  }
}

/**
 * RFM scores: { R, F, M } arrays of 1…bins. `recency` in days (fewer days score higher).
 * options: { bins = 5, ties = 'mid' | 'min' | 'max' | 'first', cutOffs, recencyEdges,
 * frequencyEdges, monetaryEdges }.
 */
function rfmScores (recency, frequency, monetary, options = {}) {
  const ties = options.ties || 'mid'
  const binning = (edges) => edges
    ? { kind: 'edges', edges: Array.from(edges) }
    : options.cutOffs
      ? { kind: 'cut_offs', cut_offs: Array.from(options.cutOffs), ties }
      : { kind: 'quantiles', bins: options.bins || 5, ties }
  const opts = {
    recency: binning(options.recencyEdges),
    frequency: binning(options.frequencyEdges),
    monetary: binning(options.monetaryEdges)
  }
  const s = call(() => native.rfmScoresOf(Array.from(recency), Array.from(frequency), Array.from(monetary), JSON.stringify(opts)))
  return { R: s.r, F: s.f, M: s.m }
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
    return call(() => native.segmentsOf(this.json, Array.from(scores.R), Array.from(scores.F), Array.from(scores.M)))
  }
}

function flatten (rows) {
  const d = rows.length ? rows[0].length : 0
  const data = new Float64Array(rows.length * d)
  rows.forEach((r, i) => data.set(r, i * d))
  return [data, d]
}

/** k-means (scikit-learn semantics, deterministic for a seed): fit on an array of rows. */
class KMeans {
  constructor (options = {}) {
    this.options = options
  }

  fit (rows, { sampleWeight } = {}) {
    const [data, d] = flatten(rows)
    const o = this.options
    // Only what is given is passed: the core holds the defaults (k 8, k-means++, ...).
    const given = { k: o.nClusters, n_init: o.nInit, max_iter: o.maxIter, tol: o.tol, seed: o.seed, algorithm: o.algorithm }
    if (o.init !== undefined) {
      given.init = Array.isArray(o.init)
        ? { kind: 'centers', centers: o.init.flat() }
        : { kind: { 'k-means++': 'k_means_plus_plus', random: 'random', 'k-means||': 'k_means_parallel' }[o.init] ?? String(o.init) }
    }
    const opts = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined))
    const r = call(() => native.kmeansFit(data, d, JSON.stringify(opts), sampleWeight ? Array.from(sampleWeight) : undefined))
    this.model = r.model
    this.labels = r.labels
    this.inertia = r.inertia
    this.nIter = r.nIter
    return this
  }

  get clusterCenters () {
    const doc = JSON.parse(this.model)
    const out = []
    for (let i = 0; i < doc.centers.length; i += doc.d) out.push(doc.centers.slice(i, i + doc.d))
    return out
  }

  predict (rows) {
    return call(() => native.kmeansPredict(this.model, flatten(rows)[0]))
  }

  toJson () {
    return this.model
  }

  static fromJson (json) {
    const m = new KMeans()
    call(() => native.kmeansPredict(json, new Float64Array(0)))
    m.model = json
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
  _options () {
    const o = this.options
    // Only what is given is passed: the core holds the defaults.
    const given = {
      k: o.nClusters, n_init: o.nInit, max_iter: o.maxIter, tol: o.tol, seed: o.seed, batch_size: o.batchSize,
      max_no_improvement: o.maxNoImprovement, init_size: o.initSize, reassignment_ratio: o.reassignmentRatio
    }
    if (o.init !== undefined) {
      given.init = Array.isArray(o.init)
        ? { kind: 'centers', centers: o.init.flat() }
        : { kind: { 'k-means++': 'k_means_plus_plus', random: 'random', 'k-means||': 'k_means_parallel' }[o.init] ?? String(o.init) }
    }
    return JSON.stringify(Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)))
  }

  fit (rows, { sampleWeight } = {}) {
    const [data, d] = flatten(rows)
    const r = call(() => native.minibatchFit(data, d, this._options(), sampleWeight ? Array.from(sampleWeight) : undefined))
    Object.assign(this, { state: r.state, model: r.model, labels: r.labels, inertia: r.inertia, nIter: r.nIter, nSteps: r.nSteps })
    return this
  }

  partialFit (rows, { sampleWeight } = {}) {
    const [data, d] = flatten(rows)
    const r = call(() => native.minibatchPartialFit(this.state, data, d, this._options(), sampleWeight ? Array.from(sampleWeight) : undefined))
    Object.assign(this, { state: r.state, model: r.model, nSteps: JSON.parse(r.state).steps })
    return this
  }

  stateJson () {
    return this.state
  }

  static fromState (json) {
    const m = new MiniBatchKMeans()
    m.model = call(() => native.minibatchModel(json))
    m.state = json
    m.nSteps = JSON.parse(json).steps
    return m
  }
}

/**
 * Segment portraits (画像): segments (one label or null per customer) and features (an array of
 * row objects); numeric fields give mean, quartiles and index against the base, others their
 * top values with share and lift. Returns { numeric: [...], categories: [...] }.
 */
function portrait (segments, features, { top } = {}) {
  const names = [...new Set(features.flatMap((f) => Object.keys(f)))]
  const numeric = []
  const categories = []
  for (const name of names) {
    const values = features.map((f) => f[name])
    if (values.every((v) => v == null || typeof v === 'number')) {
      numeric.push({ name, values: values.map((v) => (v == null ? NaN : v)) })
    } else {
      categories.push({ name, values: values.map((v) => (v == null ? null : String(v))) })
    }
  }
  const seg = Array.from(segments, (s) => (s == null ? null : String(s)))
  const [n, c] = call(() => native.portraitOf(seg, numeric, categories, top))
  return { numeric: JSON.parse(n), categories: JSON.parse(c) }
}

/** Gaussian mixture by EM (scikit-learn semantics): fit on an array of rows. */
class GaussianMixture {
  constructor ({ nComponents, covarianceType, tol, regCovar, maxIter, seed } = {}) {
    // Only what is given is passed: the core holds the defaults.
    const given = { k: nComponents, covariance: covarianceType, tol, reg_covar: regCovar, max_iter: maxIter, seed }
    this.options = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined))
  }

  fit (rows) {
    const [data, d] = flatten(rows)
    const r = call(() => native.gmmFit(data, d, JSON.stringify(this.options)))
    Object.assign(this, { model: r.model, converged: r.converged, nIter: r.nIter, lowerBound: r.lowerBound })
    return this
  }

  /** Responsibilities, one array of k per row. */
  predictProba (rows) {
    const flat = call(() => native.gmmPredictProba(this.model, flatten(rows)[0]))
    const k = JSON.parse(this.model).weights.length
    const out = []
    for (let i = 0; i < flat.length; i += k) out.push(Array.from(flat.slice(i, i + k)))
    return out
  }

  bic (rows) {
    return call(() => native.gmmBic(this.model, flatten(rows)[0]))
  }

  /** A mixture saved by any binding. */
  static fromJson (json) {
    const m = new GaussianMixture()
    call(() => native.gmmPredictProba(json, new Float64Array(0)))
    m.model = json
    return m
  }

  toJson () {
    return this.model
  }
}

/** Numeric columns (row-major, NaN = missing) and categorical columns (text or null) of rows. */
function splitMixed (rows, categorical) {
  const cat = new Set(categorical)
  const width = rows.length ? rows[0].length : 0
  const num = []
  for (let j = 0; j < width; j++) if (!cat.has(j)) num.push(j)
  const numeric = new Float64Array(rows.length * num.length)
  rows.forEach((row, i) => num.forEach((j, c) => { numeric[i * num.length + c] = row[j] == null ? NaN : Number(row[j]) }))
  const cats = [...cat].sort((a, b) => a - b).map((j) => rows.map((row) => (row[j] == null ? null : String(row[j]))))
  return { numeric, p: num.length, cats }
}

const MODES_INIT = { cao: 'cao', huang: 'huang', random: 'random', 'k-prototypes++': 'plus_plus' }

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
    const o = this.options
    // Only what is given is passed: the core holds the defaults.
    const given = { k: o.nClusters, n_init: o.nInit, max_iter: o.maxIter, seed: o.seed }
    if (o.init !== undefined) {
      given.init = Array.isArray(o.init)
        ? { kind: 'centers', numeric: o.init[0].flat(), categorical: o.init[1].flat().map(String) }
        : { kind: MODES_INIT[String(o.init).toLowerCase()] ?? String(o.init) }
    }
    if (o.gamma !== undefined) given.gamma = Array.isArray(o.gamma) ? { kind: 'per_column', value: o.gamma } : { kind: 'all', value: o.gamma }
    return JSON.stringify(Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)))
  }

  fit (rows, { categorical = [], sampleWeight } = {}) {
    const { numeric, p, cats } = splitMixed(rows, categorical)
    const r = call(() => native.kprototypesFit(numeric, p, cats, this._options(), sampleWeight ? Array.from(sampleWeight) : undefined))
    Object.assign(this, { model: r.model, labels: r.labels, cost: r.cost, nIter: r.nIter, notes: r.notes, categorical })
    return this
  }

  predict (rows) {
    const { numeric, cats } = splitMixed(rows, this.categorical)
    return call(() => native.kprototypesPredict(this.model, numeric, cats))
  }

  /** Centres: the numeric parts, then the modes. */
  get clusterCentroids () {
    const doc = JSON.parse(this.model)
    const q = doc.categories.columns.length
    const k = doc.modes.length / q
    return Array.from({ length: k }, (_, c) => [
      ...doc.numeric.slice(c * doc.p, (c + 1) * doc.p),
      ...doc.modes.slice(c * q, (c + 1) * q).map((code, j) => doc.categories.columns[j][code])
    ])
  }

  get gamma () {
    return JSON.parse(this.model).gamma
  }

  toJson () {
    return this.model
  }

  /** A saved model; `categorical`: the column indices of the rows given to predict. */
  static fromJson (json, categorical) {
    const doc = JSON.parse(json)
    const m = new this()
    const q = doc.categories ? doc.categories.columns.length : 0
    call(() => native.kprototypesPredict(json, new Float64Array(0), Array.from({ length: q }, () => [])))
    m.model = json
    m.categorical = categorical ?? Array.from({ length: q }, (_, j) => doc.p + j)
    return m
  }
}

/** k-modes: k-prototypes on rows of categories only (every column categorical, γ = 1). */
class KModes extends KPrototypes {
  fit (rows, { sampleWeight } = {}) {
    const width = rows.length ? rows[0].length : 0
    return super.fit(rows, { categorical: Array.from({ length: width }, (_, j) => j), sampleWeight })
  }
}

function attributeColumns (customers, idKey) {
  const names = [...new Set(customers.flatMap((c) => Object.keys(c)))].filter((k) => k !== idKey)
  return names.map((name) => {
    const values = customers.map((c) => (c[name] == null ? null : c[name]))
    const first = values.find((v) => v != null)
    if (typeof first === 'number') return { name, kind: 'numeric', numbers: values }
    if (typeof first === 'boolean') return { name, kind: 'boolean', flags: values }
    if (first instanceof Date) return { name, kind: 'date', numbers: values.map((v) => (v == null ? null : Math.floor(v.getTime() / 86400000))) }
    return { name, kind: 'categorical', texts: values.map((v) => (v == null ? null : String(v))) }
  })
}

/**
 * Rule audiences (see the core's documentation for the rule tree): new Audience(rules) with an
 * audiences document, a list of { name, rule } or an object name -> rule; evaluate({ asOf,
 * transactions, mapping, customers, segments }) returns { ids, members: { name: boolean[] } }.
 */
class Audience {
  constructor (rules) {
    const list = Array.isArray(rules) ? rules : Object.entries(rules).map(([name, rule]) => ({ name, rule }))
    this.document = typeof rules === 'string'
      ? rules
      : JSON.stringify({ format_version: native.formatVersion(), kind: 'audiences', audiences: list })
    this.names = call(() => native.audienceNames(this.document))
  }

  evaluate ({ asOf, transactions, mapping, customers, customerIdKey = 'customerId', segments, datetimeFormat, ...validation } = {}) {
    const columns = transactions ? toColumns(transactions, mapping, datetimeFormat) : undefined
    const ids = customers ? customers.map((c) => String(c[customerIdKey])) : undefined
    const attributes = customers ? attributeColumns(customers, customerIdKey) : undefined
    const segs = segments
      ? Object.entries(segments).map(([name, labels]) => {
        const entries = labels instanceof Map ? [...labels.entries()] : Object.entries(labels)
        return { name, ids: entries.map(([id]) => String(id)), labels: entries.map(([, l]) => (l == null ? null : String(l))) }
      })
      : undefined
    const r = call(() => native.evaluateAudiences(this.document, isoOf(asOf), columns, validationOptions(validation), ids, attributes, segs))
    return { ids: r.ids, members: Object.fromEntries(r.names.map((n, i) => [n, r.members[i]])), report: r.report }
  }

  toJson () {
    return this.document
  }
}

/**
 * Lifecycle stages (prospect, new, active, at_risk, lapsed, lost); a null tenure marks a
 * prospect. rule: overrides such as { kind: 'alive', active: 0.8 } (core defaults otherwise).
 */
function lifecycleStages (tenureDays, daysSinceLast, { probabilityAlive, intervalP80Days, ...rule } = {}) {
  const orNull = (v) => (v == null ? null : v)
  return call(() => native.lifecycleStagesOf(Array.from(tenureDays, orNull), Array.from(daysSinceLast),
    probabilityAlive ? Array.from(probabilityAlive) : undefined, intervalP80Days ? Array.from(intervalP80Days, orNull) : undefined,
    Object.keys(rule).length ? JSON.stringify(rule) : undefined))
}

/** silhouette | calinski_harabasz | davies_bouldin of a labelling of rows. */
function clusterScore (which, rows, labels) {
  const [data, d] = flatten(rows)
  return call(() => native.clusterScore(which, data, d, Array.from(labels)))
}

/** Tier of each value: 0 for the top cutOffs[0] share, … cutOffs.length for the rest. */
function valueTiers (values, cutOffs = [0.01, 0.05, 0.2]) {
  return call(() => native.valueTiersOf(Array.from(values), cutOffs))
}

module.exports = {
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
