// Type declarations of the kehu npm package.

import type { Profile, Report, SummaryResult, HoldoutResult } from './native'

export type { Profile, Report, SummaryResult, HoldoutResult }

/** Every error kehu throws; `code` is stable, e.g. `DATA_MISSING_COLUMN`. */
export declare class KehuError extends Error {
  code: string
  /** The core's area of the code: `data`, `profile`, `format`, `simulate`, `value` or `segment`. */
  area: string
}

/** Which input column holds each field. */
export interface Mapping {
  customerId: string
  timestamp: string
  amount?: string
  orderId?: string
  quantity?: string
  productId?: string
  category?: string
  channel?: string
}

/**
 * Row objects, or an object of equal-length column arrays. Timestamps: ISO text (or text in
 * `datetimeFormat`), Date, or numbers with `timestampUnit` ('s' | 'ms' | 'us') or a
 * `datetimeFormat` such as '%Y%m%d' (numbers with neither are a DATA_WRONG_TYPE error).
 */
export type Data = Array<Record<string, unknown>> | Record<string, ArrayLike<unknown>>

export declare const STANDARD_COLUMNS: Readonly<Required<Mapping>>

export type DateLike = string | Date

/** The unit of numeric timestamps. */
export type TimestampUnit = 's' | 'ms' | 'us'

export interface SummarizeOptions {
  observationPeriodEnd?: DateLike
  freq?: 'D' | 'W' | 'h' | 'min' | 's' | 'M' | string
  freqMultiplier?: number
  includeFirstTransaction?: boolean
  datetimeFormat?: string
  timestampUnit?: TimestampUnit
}

export interface HoldoutOptions extends SummarizeOptions {
  calibrationPeriodEnd: DateLike
}

export interface ValidateOptions {
  allowReturns?: boolean
  observationEnd?: DateLike
  deduplicate?: boolean
  strict?: boolean
  datetimeFormat?: string
  timestampUnit?: TimestampUnit
}

export type TagRulesInput = string | Record<string, unknown> | Array<{ name: string; when: unknown }>

export interface ProfileOptions extends ValidateOptions {
  topN?: number
  trendPeriods?: number
  trendPeriodDays?: number
  tags?: TagRulesInput
}

export declare function summarize (data: Data, mapping: Mapping, options?: SummarizeOptions): SummaryResult
export declare function calibrationAndHoldout (data: Data, mapping: Mapping, options: HoldoutOptions): HoldoutResult
export declare function validate (data: Data, mapping: Mapping, options?: ValidateOptions): Report
export declare function profile (data: Data, mapping: Mapping, options?: ProfileOptions): {
  profiles: Profile[]
  report: Report
  withoutPurchases: string[]
  /** Accepted rows after the observation end, left out of the profiles. */
  rowsAfterEnd: number
}

export interface SimulatedData {
  /** One row per customer: its id, the simulated attributes (`age`, `gender`, `region`,
   * `loyalty_member`, `signup_date` as a Date) and consent per channel (`consent_email`, …). */
  customers: Array<{ customerId: string } & Record<string, number | string | boolean | Date | null>>
  transactions: Record<keyof Mapping, Array<string | number | null>>
  observationEnd: string
}

export declare function simulate (settings?: Record<string, unknown>): SimulatedData

export declare class IncrementalProfile {
  constructor ()
  add (timestamp: DateLike, amount: number, extra?: { orderId?: string; category?: string; channel?: string }): void
  profile (customerId: string, options?: { observationEnd?: DateLike; topN?: number; trendPeriods?: number; trendPeriodDays?: number; tags?: TagRulesInput }): Profile | null
  toJson (): string
  static fromJson (json: string): IncrementalProfile
}

export declare function formatVersion (): number

/** A fitted value model (BG/NBD, MBG/NBD, BG/BB or Gamma-Gamma), saved as versioned JSON. */
export declare class ValueModel {
  /** The fitted model, held natively. */
  readonly model: import('./native').FittedValueModel
  /** The fit report (estimates, standard errors, convergence, warnings); null for a loaded model. */
  readonly report: Omit<import('./native').FitResult, 'model'> | null
  readonly kind: 'bgnbd' | 'mbgnbd' | 'pnbd' | 'bgbb' | 'gamma_gamma'
  static fit (kind: 'bgnbd' | 'mbgnbd' | 'pnbd' | 'bgbb' | 'gamma_gamma', a: ArrayLike<number>, b: ArrayLike<number>, c?: ArrayLike<number>, options?: { weights?: ArrayLike<number>; penalizer?: number; qConstraint?: boolean }): ValueModel
  static fromJson (json: string): ValueModel
  toJson (): string
  readonly params: Record<string, number>
  conditionalExpectedPurchases (horizon: number, frequency: number, recency: number, T: number): number
  conditionalExpectedPurchases (horizon: number, frequency: ArrayLike<number>, recency: ArrayLike<number>, T: ArrayLike<number>): Float64Array
  probabilityAlive (frequency: number, recency: number, T: number): number
  probabilityAlive (frequency: ArrayLike<number>, recency: ArrayLike<number>, T: ArrayLike<number>): Float64Array
  discountedExpectedResidualTransactions (rate: number, frequency: number, recency: number, T: number): number
  discountedExpectedResidualTransactions (rate: number, frequency: ArrayLike<number>, recency: ArrayLike<number>, T: ArrayLike<number>): Float64Array
  probabilityOfPurchases (n: number, t: number): number
  probabilityOfPurchases (n: ArrayLike<number>, t: number): Float64Array
  conditionalProbabilityOfPurchases (n: number, t: number, frequency: number, recency: number, T: number): number
  conditionalProbabilityOfPurchases (n: number, t: number, frequency: ArrayLike<number>, recency: ArrayLike<number>, T: ArrayLike<number>): Float64Array
  holdoutCheck (holdout: import('./native').HoldoutResult, maxFrequency?: number): import('./native').HoldoutCheckJs
  periodTransactions (frequency: ArrayLike<number>, T: ArrayLike<number>, maxFrequency?: number): import('./native').FrequencyBinJs[]
  customerLifetimeValue (spendModel: ValueModel, frequency: number, recency: number, T: number, monetaryValue: number, options?: { months?: number; discountRate?: number; margin?: number; unitsPerMonth?: number }): number
  customerLifetimeValue (spendModel: ValueModel, frequency: ArrayLike<number>, recency: ArrayLike<number>, T: ArrayLike<number>, monetaryValue: ArrayLike<number>, options?: { months?: number; discountRate?: number; margin?: number; unitsPerMonth?: number }): Float64Array
}

export { KMeansModel, MiniBatchState, GaussianMixtureModel, KPrototypesModel, FittedValueModel } from './native'

/** Sets (or, with null, removes) the callback that receives the progress of long calls. */
export declare function setProgress (callback: ((stage: string, done: number, total: number) => void) | null): void

export declare function valueTiers (values: ArrayLike<number>, cutOffs?: number[]): number[]

export declare function rfmScores (recency: ArrayLike<number>, frequency: ArrayLike<number>, monetary: ArrayLike<number>,
  options?: { bins?: number; ties?: 'mid' | 'min' | 'max' | 'first'; cutOffs?: number[]; recencyEdges?: number[]; frequencyEdges?: number[]; monetaryEdges?: number[] }): { R: number[]; F: number[]; M: number[]; bins?: number[] }

export declare class SegmentMap {
  readonly json: string
  static builtin (name: 'rf10' | 'rfm8'): SegmentMap
  static fromCodeTable (csvText: string): SegmentMap
  static fromJson (json: string): SegmentMap
  toJson (): string
  assign (scores: { R: ArrayLike<number>; F: ArrayLike<number>; M: ArrayLike<number>; bins?: number[] }): (string | null)[]
}

export declare class KMeans {
  constructor (options?: { nClusters?: number; init?: 'k-means++' | 'k-means||' | 'random' | number[][]; nInit?: number; maxIter?: number; tol?: number; seed?: number; algorithm?: 'hamerly' | 'lloyd' | 'elkan' })
  fit (rows: number[][], options?: { sampleWeight?: ArrayLike<number> }): this
  readonly labels: number[]
  readonly inertia: number
  readonly nIter: number
  readonly clusterCenters: number[][]
  /** The fitted model, held natively. */
  readonly model: import('./native').KMeansModel
  predict (rows: number[][]): number[]
  toJson (): string
  static fromJson (json: string): KMeans
}

export declare function clusterScore (which: 'silhouette' | 'calinski_harabasz' | 'davies_bouldin', rows: number[][], labels: ArrayLike<number>): number

export declare class GaussianMixture {
  constructor (options?: { nComponents?: number; covarianceType?: 'full' | 'diag'; tol?: number; regCovar?: number; maxIter?: number; seed?: number })
  fit (rows: number[][]): this
  readonly converged: boolean
  readonly nIter: number
  readonly lowerBound: number
  /** The fitted mixture, held natively (prepared once). */
  readonly model: import('./native').GaussianMixtureModel
  predictProba (rows: number[][]): number[][]
  predict (rows: number[][]): number[]
  bic (rows: number[][]): number
  toJson (): string
  static fromJson (json: string): GaussianMixture
}

export declare function lifecycleStages (tenureDays: ArrayLike<number | null>, daysSinceLast: ArrayLike<number>,
  options?: { probabilityAlive?: ArrayLike<number>; intervalP80Days?: ArrayLike<number | null>; kind?: 'days' | 'cadence' | 'alive'; [threshold: string]: unknown }): string[]

/** k-prototypes (kmodes' semantics, batch iterations) on rows of numbers and categories. */
export declare class KPrototypes {
  constructor (options?: { nClusters?: number; init?: 'k-prototypes++' | 'Cao' | 'Huang' | 'random' | [number[][], string[][]]; nInit?: number; maxIter?: number; gamma?: number | number[]; seed?: number })
  fit (rows: unknown[][], options?: { categorical?: number[]; sampleWeight?: ArrayLike<number> }): this
  predict (rows: unknown[][]): Uint32Array | number[]
  readonly labels: number[]
  readonly cost: number
  readonly nIter: number
  readonly notes: string[]
  readonly clusterCentroids: unknown[][]
  readonly gamma: number[]
  /** The fitted model, held natively. */
  readonly model: import('./native').KPrototypesModel
  toJson (): string
  static fromJson (json: string, categorical?: number[]): KPrototypes
}

/** k-modes: k-prototypes on rows of categories only. */
export declare class KModes extends KPrototypes {
  fit (rows: unknown[][], options?: { sampleWeight?: ArrayLike<number> }): this
}

/** Rule audiences evaluated by the core (the rule tree is documented in the core). */
export declare class Audience {
  constructor (rules: string | { name: string; rule: unknown }[] | Record<string, unknown>)
  readonly names: string[]
  evaluate (options: {
    asOf: string | Date
    transactions?: Record<string, unknown>[] | Record<string, unknown[]>
    mapping?: Record<string, string>
    customers?: Record<string, unknown>[]
    customerIdKey?: string
    segments?: Record<string, Record<string, string | null> | Map<string, string | null>>
    datetimeFormat?: string
    allowReturns?: boolean
  }): { ids: string[]; members: Record<string, boolean[]>; report?: Report }
  toJson (): string
}

/** Mini-batch k-means: fit by random batches or partialFit one batch at a time. */
export declare class MiniBatchKMeans extends KMeans {
  constructor (options?: { nClusters?: number; init?: 'k-means++' | 'random' | number[][]; nInit?: number; maxIter?: number; tol?: number; seed?: number; batchSize?: number; maxNoImprovement?: number | null; initSize?: number; reassignmentRatio?: number })
  partialFit (rows: number[][], options?: { sampleWeight?: ArrayLike<number> }): this
  readonly nSteps: number
  /** The training state, held natively. */
  readonly state: import('./native').MiniBatchState
  stateJson (): string
  static fromState (json: string): MiniBatchKMeans
}

/** Segment portraits: per segment and feature, against the whole base. */
export declare function portrait (segments: ArrayLike<string | null>, features: Record<string, unknown>[], options?: { top?: number }):
  { numeric: Record<string, unknown>[]; categories: Record<string, unknown>[] }
