//! The napi-rs module behind the `kehu` npm package: converts JS values to the core's types,
//! calls the core and maps its errors to JS errors with a stable `code`. The JS wrapper
//! (`index.js`) turns row objects into columns.

use kehu::data::time::{format_iso, numeric_timestamps, NumericTimestamps, TimeUnit};
use kehu::data::{
    validate as core_validate, DataError, IdColumn, NumberColumn, TextColumn, TimeColumn,
    TransactionColumns, ValidationOptions, ValidationReport,
};
use kehu::profile::{
    calibration_and_holdout_columns, profile_columns, summarize_columns, CustomerProfile, Event,
    GivenSummaryOptions, ProfileAccumulator, ProfileOptions, Summary, TagRules,
};
use kehu::simulate::{simulate as core_simulate, SimulationConfig};
use napi::bindgen_prelude::Float64Array;
use napi_derive::napi;

pub mod guard;
pub mod models;
pub mod segment;
pub mod value;

/// The JS error `code` of a kehu error (e.g. `DATA_MISSING_COLUMN`).
pub struct Code(String);

impl AsRef<str> for Code {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

pub(crate) fn to_js(error: impl Into<kehu::Error>) -> napi::Error<Code> {
    let error = error.into();
    napi::Error::new(Code(error.code().to_string()), error.to_string())
}

/// Transaction columns (all arrays of one length). Timestamps are text (`timestamp`: ISO or
/// `datetimeFormat`) or numbers (`timestampNumbers`), which the core reads with
/// `timestampUnit` or `datetimeFormat` ([`numeric_timestamps`]).
#[napi(object)]
pub struct Columns {
    pub customer_id: Vec<Option<String>>,
    pub timestamp: Option<Vec<Option<String>>>,
    pub timestamp_numbers: Option<Vec<Option<f64>>>,
    /// `s`, `ms` or `us`: the unit of `timestampNumbers`.
    pub timestamp_unit: Option<String>,
    /// The caller's name of the timestamp column (for error messages).
    pub timestamp_column: Option<String>,
    pub amount: Option<Vec<Option<f64>>>,
    pub order_id: Option<Vec<Option<String>>>,
    pub quantity: Option<Vec<Option<f64>>>,
    pub product_id: Option<Vec<Option<String>>>,
    pub category: Option<Vec<Option<String>>>,
    pub channel: Option<Vec<Option<String>>>,
    /// chrono format of text timestamps; ISO 8601 when absent.
    pub datetime_format: Option<String>,
}

fn with_columns<T>(
    c: &Columns,
    f: impl FnOnce(&TransactionColumns) -> Result<T, kehu::Error>,
) -> napi::Result<T, Code> {
    let format = c.datetime_format.as_deref();
    let numbers = c
        .timestamp_numbers
        .as_ref()
        .map(|v| {
            let column = c.timestamp_column.as_deref().unwrap_or("timestamp");
            numeric_timestamps(column, v, c.timestamp_unit.as_deref(), format)
        })
        .transpose()
        .map_err(to_js)?;
    let timestamp = match (&c.timestamp, &numbers) {
        (Some(text), None) => TimeColumn::Text {
            values: text,
            format,
        },
        (None, Some(NumericTimestamps::Text(text))) => TimeColumn::Text {
            values: text,
            format,
        },
        (None, Some(NumericTimestamps::Micros(micros))) => TimeColumn::Epoch {
            values: micros,
            unit: TimeUnit::Micros,
        },
        _ => {
            return Err(to_js(DataError::InvalidOption {
                option: "timestamp".into(),
                reason: "give exactly one of timestamp (text) and timestampNumbers".into(),
            }))
        }
    };
    let cols = TransactionColumns {
        customer_id: IdColumn::Text(&c.customer_id),
        timestamp,
        amount: c.amount.as_ref().map(|v| v as &dyn NumberColumn),
        order_id: c.order_id.as_ref().map(|v| v as &dyn TextColumn),
        quantity: c.quantity.as_ref().map(|v| v as &dyn NumberColumn),
        product_id: c.product_id.as_ref().map(|v| v as &dyn TextColumn),
        category: c.category.as_ref().map(|v| v as &dyn TextColumn),
        channel: c.channel.as_ref().map(|v| v as &dyn TextColumn),
    };
    f(&cols).map_err(to_js)
}

/// Options of `summarize` (lifetimes' defaults: freq "D", freqMultiplier 1).
#[napi(object)]
pub struct SummarizeOptions {
    pub observation_period_end: Option<String>,
    pub freq: Option<String>,
    pub freq_multiplier: Option<f64>,
    pub include_first_transaction: Option<bool>,
}

/// A per-customer summary, ordered by customer id.
#[napi(object)]
pub struct SummaryResult {
    pub customer_id: Vec<String>,
    pub frequency: Float64Array,
    pub recency: Float64Array,
    #[napi(js_name = "T")]
    pub t: Float64Array,
    pub monetary_value: Option<Float64Array>,
    pub rows_after_end: u32,
}

fn summary_result(s: Summary) -> SummaryResult {
    SummaryResult {
        customer_id: s.customer_ids.to_strings(),
        frequency: s.frequency.into(),
        recency: s.recency.into(),
        t: s.t.into(),
        monetary_value: s.monetary_value.map(Into::into),
        rows_after_end: s.rows_after_end as u32,
    }
}

/// lifetimes' `summary_data_from_transaction_data`.
#[napi]
pub fn summarize(
    columns: Columns,
    options: Option<SummarizeOptions>,
) -> napi::Result<SummaryResult, Code> {
    let o = options.unwrap_or(SummarizeOptions {
        observation_period_end: None,
        freq: None,
        freq_multiplier: None,
        include_first_transaction: None,
    });
    let opts = GivenSummaryOptions {
        freq: o.freq.as_deref(),
        freq_multiplier: o.freq_multiplier,
        observation_period_end: o.observation_period_end.as_deref(),
        include_first_transaction: o.include_first_transaction,
        datetime_format: columns.datetime_format.as_deref(),
    }
    .summary()
    .map_err(to_js)?;
    with_columns(&columns, |c| summarize_columns(c, &opts)).map(summary_result)
}

/// Options of `calibrationAndHoldout`.
#[napi(object)]
pub struct HoldoutOptionsJs {
    pub calibration_period_end: String,
    pub observation_period_end: Option<String>,
    pub freq: Option<String>,
    pub freq_multiplier: Option<f64>,
    pub include_first_transaction: Option<bool>,
}

/// Calibration summary plus holdout purchases.
#[napi(object)]
pub struct HoldoutResult {
    pub calibration: SummaryResult,
    pub frequency_holdout: Float64Array,
    pub monetary_value_holdout: Option<Float64Array>,
    pub duration_holdout: f64,
}

/// lifetimes' `calibration_and_holdout_data`.
#[napi]
pub fn calibration_and_holdout(
    columns: Columns,
    options: HoldoutOptionsJs,
) -> napi::Result<HoldoutResult, Code> {
    let opts = GivenSummaryOptions {
        freq: options.freq.as_deref(),
        freq_multiplier: options.freq_multiplier,
        observation_period_end: options.observation_period_end.as_deref(),
        include_first_transaction: options.include_first_transaction,
        datetime_format: columns.datetime_format.as_deref(),
    }
    .holdout(&options.calibration_period_end)
    .map_err(to_js)?;
    let ch = with_columns(&columns, |c| calibration_and_holdout_columns(c, &opts))?;
    Ok(HoldoutResult {
        calibration: summary_result(ch.calibration),
        frequency_holdout: ch.frequency_holdout.into(),
        monetary_value_holdout: ch.monetary_value_holdout.map(Into::into),
        duration_holdout: ch.duration_holdout,
    })
}

/// Validation options (defaults from the core: returns rejected, duplicates removed, not strict).
#[napi(object)]
pub struct ValidateOptions {
    pub allow_returns: Option<bool>,
    pub observation_end: Option<String>,
    pub deduplicate: Option<bool>,
    pub strict: Option<bool>,
}

fn validation_options(o: Option<&ValidateOptions>) -> Result<ValidationOptions, kehu::Error> {
    let Some(o) = o else {
        return Ok(ValidationOptions::default());
    };
    Ok(kehu::data::GivenValidationOptions {
        allow_returns: o.allow_returns,
        observation_end: o.observation_end.as_deref(),
        deduplicate: o.deduplicate,
        strict: o.strict,
    }
    .options()?)
}

/// One rejected input row.
#[napi(object)]
pub struct RejectedRow {
    pub row: u32,
    pub field: String,
    pub reason: String,
    pub detail: String,
}

/// Counts and rejected rows.
#[napi(object)]
pub struct Report {
    pub total_rows: u32,
    pub accepted: u32,
    pub rejected: Vec<RejectedRow>,
}

fn report(r: &ValidationReport) -> Report {
    Report {
        total_rows: r.total_rows as u32,
        accepted: r.accepted as u32,
        rejected: r
            .rejected
            .iter()
            .map(|x| RejectedRow {
                row: x.row as u32,
                field: x.field.name().into(),
                reason: x.reason.code().into(),
                detail: x.reason.to_string(),
            })
            .collect(),
    }
}

/// Validates a transaction table and reports every rejected row.
#[napi]
pub fn validate(columns: Columns, options: Option<ValidateOptions>) -> napi::Result<Report, Code> {
    let opts = validation_options(options.as_ref()).map_err(to_js)?;
    with_columns(&columns, |c| Ok(core_validate(c, &opts)?.1)).map(|r| report(&r))
}

/// Profile options.
#[napi(object)]
pub struct ProfileOptionsJs {
    pub observation_end: Option<String>,
    pub top_n: Option<u32>,
    pub trend_periods: Option<u32>,
    pub trend_period_days: Option<u32>,
    /// A `tag_rules` JSON document.
    pub tags: Option<String>,
}

fn profile_options(
    o: Option<&ProfileOptionsJs>,
) -> Result<(ProfileOptions, Option<TagRules>), kehu::Error> {
    let Some(o) = o else {
        return Ok((ProfileOptions::default(), None));
    };
    let opts = kehu::profile::GivenProfileOptions {
        observation_end: o.observation_end.as_deref(),
        top_n: o.top_n.map(|n| n as usize),
        trend_periods: o.trend_periods.map(|n| n as usize),
        trend_period_days: o.trend_period_days,
    }
    .options()?;
    let rules = o
        .tags
        .as_deref()
        .map(TagRules::from_given_json)
        .transpose()?;
    Ok((opts, rules))
}

/// A share of spend.
#[napi(object)]
pub struct ShareJs {
    pub name: String,
    pub share: f64,
}

/// One customer's profile (see the Rust `CustomerProfile` for the definitions).
#[napi(object)]
pub struct Profile {
    pub customer_id: String,
    /// ISO 8601.
    pub first_purchase: String,
    /// ISO 8601.
    pub last_purchase: String,
    pub tenure_days: f64,
    pub days_since_last_purchase: f64,
    pub transactions: f64,
    pub orders: f64,
    pub total_spend: f64,
    pub avg_order_value: f64,
    pub frequency: f64,
    pub recency: f64,
    #[napi(js_name = "T")]
    pub t: f64,
    pub monetary_value: f64,
    pub interval_mean_days: Option<f64>,
    pub interval_median_days: Option<f64>,
    pub interval_std_days: Option<f64>,
    pub interval_p80_days: Option<f64>,
    pub top_categories: Vec<ShareJs>,
    pub top_channels: Vec<ShareJs>,
    pub preferred_weekday: u32,
    pub preferred_hour: u32,
    pub spend_trend: f64,
    pub returns: f64,
    pub returned_amount: f64,
    pub return_ratio: Option<f64>,
    pub tags: Option<Vec<String>>,
}

fn shares(v: &[kehu::profile::Share]) -> Vec<ShareJs> {
    v.iter()
        .map(|s| ShareJs {
            name: s.name.clone(),
            share: s.share,
        })
        .collect()
}

fn profile_js(p: &CustomerProfile, rules: Option<&TagRules>) -> Profile {
    Profile {
        customer_id: p.customer_id.clone(),
        first_purchase: format_iso(p.first_purchase),
        last_purchase: format_iso(p.last_purchase),
        tenure_days: p.tenure_days,
        days_since_last_purchase: p.days_since_last_purchase,
        transactions: p.transactions as f64,
        orders: p.orders as f64,
        total_spend: p.total_spend,
        avg_order_value: p.avg_order_value,
        frequency: p.frequency,
        recency: p.recency,
        t: p.t,
        monetary_value: p.monetary_value,
        interval_mean_days: p.interval_mean_days,
        interval_median_days: p.interval_median_days,
        interval_std_days: p.interval_std_days,
        interval_p80_days: p.interval_p80_days,
        top_categories: shares(&p.top_categories),
        top_channels: shares(&p.top_channels),
        preferred_weekday: u32::from(p.preferred_weekday),
        preferred_hour: u32::from(p.preferred_hour),
        spend_trend: p.spend_trend,
        returns: p.returns as f64,
        returned_amount: p.returned_amount,
        return_ratio: p.return_ratio,
        tags: rules.map(|r| r.evaluate(p).into_iter().map(String::from).collect()),
    }
}

/// Profiles with the validation report.
#[napi(object)]
pub struct ProfileResult {
    pub profiles: Vec<Profile>,
    pub report: Report,
    pub without_purchases: Vec<String>,
    /// Accepted rows after the observation end, left out of the profiles.
    pub rows_after_end: u32,
}

/// Validates and profiles a transaction table.
#[napi]
pub fn profile(
    columns: Columns,
    validation: Option<ValidateOptions>,
    options: Option<ProfileOptionsJs>,
) -> napi::Result<ProfileResult, Code> {
    let vopts = validation_options(validation.as_ref()).map_err(to_js)?;
    let (popts, rules) = profile_options(options.as_ref()).map_err(to_js)?;
    with_columns(&columns, |c| {
        let (set, r) = profile_columns(c, &vopts, &popts)?;
        Ok(ProfileResult {
            profiles: set
                .profiles
                .iter()
                .map(|p| profile_js(p, rules.as_ref()))
                .collect(),
            report: report(&r),
            without_purchases: set.without_purchases,
            rows_after_end: set.rows_after_end as u32,
        })
    })
}

/// One column of a customer table: `kind` says which array holds the values (`number`:
/// `numbers`; `text`: `texts`; `flag`: `flags`; `date`: `texts` as `YYYY-MM-DD`).
#[napi(object)]
pub struct CustomerColumnJs {
    pub name: String,
    pub kind: String,
    pub numbers: Option<Vec<Option<f64>>>,
    pub texts: Option<Vec<Option<String>>>,
    pub flags: Option<Vec<Option<bool>>>,
}

/// A simulated customer base as columns: the customer table's ids, every attribute and the
/// consent per channel (`consent_<channel>`), and the transactions.
#[napi(object)]
pub struct SimulatedJs {
    pub customer_ids: Vec<String>,
    pub customer_columns: Vec<CustomerColumnJs>,
    pub transactions: Columns,
    pub observation_end: String,
}

fn customer_columns(c: &kehu::data::customers::CustomerTable) -> Vec<CustomerColumnJs> {
    use kehu::data::customers::Attribute;
    let column = |name: String, kind: &str| CustomerColumnJs {
        name,
        kind: kind.into(),
        numbers: None,
        texts: None,
        flags: None,
    };
    let mut out: Vec<CustomerColumnJs> = c
        .attributes()
        .iter()
        .map(|(name, a)| match a {
            Attribute::Numeric(v) => CustomerColumnJs {
                numbers: Some(v.clone()),
                ..column(name.clone(), "number")
            },
            Attribute::Categorical(v) => CustomerColumnJs {
                texts: Some(v.clone()),
                ..column(name.clone(), "text")
            },
            Attribute::Boolean(v) => CustomerColumnJs {
                flags: Some(v.clone()),
                ..column(name.clone(), "flag")
            },
            Attribute::Date(v) => CustomerColumnJs {
                texts: Some(
                    v.iter()
                        .map(|d| {
                            d.map(|d| {
                                let (y, m, day) = kehu::data::time::civil_from_days(d);
                                format!("{y:04}-{m:02}-{day:02}")
                            })
                        })
                        .collect(),
                ),
                ..column(name.clone(), "date")
            },
        })
        .collect();
    out.extend(c.consent().iter().map(|(channel, flags)| CustomerColumnJs {
        flags: Some(flags.iter().map(|&f| Some(f)).collect()),
        ..column(format!("consent_{channel}"), "flag")
    }));
    out
}

/// Simulates a customer base; `settings` is a JSON object of settings to change.
#[napi]
pub fn simulate(settings: Option<String>) -> napi::Result<SimulatedJs, Code> {
    let config = match settings {
        Some(text) => SimulationConfig::from_overrides(&text).map_err(to_js)?,
        None => SimulationConfig::default(),
    };
    let data = core_simulate(&config).map_err(to_js)?;
    let t = data.transactions;
    Ok(SimulatedJs {
        customer_ids: data.customers.ids().to_vec(),
        customer_columns: customer_columns(&data.customers),
        transactions: Columns {
            customer_id: t.customer_id,
            timestamp: Some(t.timestamp),
            timestamp_numbers: None,
            timestamp_unit: None,
            timestamp_column: None,
            amount: t.amount,
            order_id: t.order_id,
            quantity: t.quantity,
            product_id: t.product_id,
            category: t.category,
            channel: t.channel,
            datetime_format: None,
        },
        observation_end: format_iso(data.observation_end),
    })
}

/// Checks tag rules (a `tag_rules` document or a shorthand the core reads) and returns them
/// as a versioned document.
#[napi]
pub fn check_tag_rules(json: String) -> napi::Result<String, Code> {
    TagRules::from_given_json(&json)
        .map(|r| r.to_json())
        .map_err(to_js)
}

/// The newest model/config `format_version` this build reads and writes.
#[napi]
pub fn format_version() -> u32 {
    kehu::format::FORMAT_VERSION
}

/// One customer's profile updated event by event.
#[napi]
pub struct IncrementalProfile {
    state: ProfileAccumulator,
}

#[napi]
impl IncrementalProfile {
    /// An empty profile.
    #[napi(constructor)]
    pub fn new() -> Self {
        IncrementalProfile {
            state: ProfileAccumulator::new(),
        }
    }

    /// Adds one event (ISO timestamp; a negative amount is a return).
    #[napi]
    pub fn add(
        &mut self,
        timestamp: String,
        amount: f64,
        order_id: Option<String>,
        category: Option<String>,
        channel: Option<String>,
    ) -> napi::Result<(), Code> {
        let ts = ProfileAccumulator::event_time(&timestamp).map_err(to_js)?;
        self.state
            .add(&Event {
                timestamp: ts,
                amount,
                order_id: order_id.as_deref(),
                category: category.as_deref(),
                channel: channel.as_deref(),
            })
            .map_err(to_js)
    }

    /// The profile (null before the first purchase).
    #[napi]
    pub fn profile(
        &self,
        customer_id: String,
        options: Option<ProfileOptionsJs>,
    ) -> napi::Result<Option<Profile>, Code> {
        let (opts, rules) = profile_options(options.as_ref()).map_err(to_js)?;
        let p = self.state.profile(&customer_id, &opts).map_err(to_js)?;
        Ok(p.map(|p| profile_js(&p, rules.as_ref())))
    }

    /// The state as a versioned JSON document.
    #[napi]
    pub fn to_json(&self) -> String {
        self.state.to_json()
    }

    /// Restores a saved state.
    #[napi(factory)]
    pub fn from_json(json: String) -> napi::Result<Self, Code> {
        Ok(IncrementalProfile {
            state: ProfileAccumulator::from_json(&json).map_err(to_js)?,
        })
    }
}

impl Default for IncrementalProfile {
    fn default() -> Self {
        Self::new()
    }
}

/// One mapped transaction field: its `camelCase` name, the input column and what its values
/// are (`id`, `timestamp`, `number` or `text`).
#[napi(object)]
pub struct MappedColumn {
    /// The field's name as the native columns object spells it (`customerId`, …).
    pub field: String,
    /// The input column (row key) holding it.
    pub column: String,
    /// What the values are: `id`, `timestamp`, `number` or `text`.
    pub kind: String,
}

/// The fields of a column mapping (`{customerId: 'id', timestamp: 'ts', …}`, field names in
/// either spelling) as the core reads it: unknown fields, empty names and missing required
/// fields are `DATA_INVALID_OPTION`.
#[napi]
pub fn column_mapping(
    mapping: std::collections::HashMap<String, String>,
) -> napi::Result<Vec<MappedColumn>, Code> {
    let mapping = kehu::data::ColumnMapping::from_pairs(mapping).map_err(to_js)?;
    Ok(mapping
        .fields()
        .into_iter()
        .map(|(field, column)| MappedColumn {
            field: field.camel_name().to_string(),
            column: column.to_string(),
            kind: field.kind().name().to_string(),
        })
        .collect())
}

/// The area of a kehu error code (`DATA_MISSING_COLUMN` → `data`); `null` for anything else.
#[napi]
pub fn error_area(code: String) -> Option<String> {
    kehu::error::area_of_code(&code).map(str::to_string)
}

/// A number as text by the core's rule (`kehu::data::text::number_text`: `1.0` is "1", no
/// exponent), as ids, categories and labels are read in every binding; `null` for NaN and
/// infinities.
#[napi]
pub fn number_text(x: f64) -> Option<String> {
    kehu::data::text::number_text(x)
}
