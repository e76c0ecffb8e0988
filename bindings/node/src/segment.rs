//! Segmentation for Node: arrays in, typed arrays out; scores, maps and clusters are the core's.

use crate::{to_js, Code};
use kehu::segment::audience::{given_customers, AudienceInputs, Audiences, SegmentColumn};
use kehu::segment::kmeans::Rows;
use kehu::segment::lifecycle::{lifecycle_stages, StageInputs, StageRule};
use kehu::segment::{portrait, quality, rfm_scores, RfmScoreOptions, SegmentError, SegmentMap};
use napi::bindgen_prelude::Float64Array;
use napi_derive::napi;

/// Options from their JSON text (absent: the core's defaults).
pub(crate) fn parse<T: serde::de::DeserializeOwned + Default>(
    what: &str,
    json: Option<String>,
) -> napi::Result<T, Code> {
    match json {
        None => Ok(T::default()),
        Some(text) => kehu::format::parse_json(&text).map_err(|reason| {
            to_js(SegmentError::InvalidOption {
                option: what.into(),
                reason,
            })
        }),
    }
}

/// R, F, M scores per customer.
#[napi(object)]
pub struct RfmScoresJs {
    pub r: Vec<u32>,
    pub f: Vec<u32>,
    pub m: Vec<u32>,
    /// The number of bins of R, F and M (`assign` refuses a map for another score range).
    pub bins: Option<Vec<u32>>,
}

/// RFM scores; `options` is the core's RfmScoreOptions as JSON (only what the user gave).
#[napi]
pub fn rfm_scores_of(
    recency: Vec<f64>,
    frequency: Vec<f64>,
    monetary: Vec<f64>,
    options: Option<String>,
) -> napi::Result<RfmScoresJs, Code> {
    let opts = parse::<RfmScoreOptions>("binning", options)?.binnings();
    let s = rfm_scores(&recency, &frequency, &monetary, &opts).map_err(to_js)?;
    Ok(RfmScoresJs {
        r: s.r,
        f: s.f,
        m: s.m,
        bins: s.bins.map(Vec::from),
    })
}

/// A segment map document: a built-in by name, or from a code table's CSV text.
#[napi]
pub fn segment_map_json(
    name: Option<String>,
    code_table: Option<String>,
) -> napi::Result<String, Code> {
    let map = match (name, code_table) {
        (Some(n), None) => SegmentMap::builtin(&n),
        (None, Some(t)) => SegmentMap::from_code_table(&t),
        _ => Err(SegmentError::InvalidOption {
            option: "map".into(),
            reason: "give a built-in name or a code table".into(),
        }),
    }
    .map_err(to_js)?;
    Ok(map.to_json())
}

/// Each customer's segment under a map (`null` where no rule matches); `bins`: the scores'
/// bins when known (from `rfmScoresOf`).
#[napi]
pub fn segments_of(
    map: String,
    r: Vec<i64>,
    f: Vec<i64>,
    m: Vec<i64>,
    bins: Option<Vec<u32>>,
) -> napi::Result<Vec<Option<String>>, Code> {
    let map = SegmentMap::from_json(&map).map_err(to_js)?;
    let bins = bins
        .map(|b| {
            <[u32; 3]>::try_from(b).map_err(|_| SegmentError::InvalidOption {
                option: "bins".into(),
                reason: "give the bins of R, F and M (three numbers)".into(),
            })
        })
        .transpose()
        .map_err(to_js)?;
    map.assign_columns(&r, &f, &m, bins).map_err(to_js)
}

/// A clustering score: silhouette, calinski_harabasz or davies_bouldin.
#[napi]
pub fn cluster_score(
    which: String,
    data: Float64Array,
    d: u32,
    labels: Vec<u32>,
) -> napi::Result<f64, Code> {
    let x = Rows::new(&data, d as usize).map_err(to_js)?;
    match which.as_str() {
        "silhouette" => quality::silhouette_score(&x, &labels),
        "calinski_harabasz" => quality::calinski_harabasz_score(&x, &labels),
        "davies_bouldin" => quality::davies_bouldin_score(&x, &labels),
        other => Err(SegmentError::InvalidOption {
            option: "score".into(),
            reason: format!("unknown score '{other}'"),
        }),
    }
    .map_err(to_js)
}

/// Lifecycle stage names; a `null` tenure marks a prospect. `rule`: JSON overrides of the
/// core's rule (`kind` days, cadence or alive, and thresholds).
#[napi]
pub fn lifecycle_stages_of(
    tenure_days: Vec<Option<f64>>,
    days_since_last: Vec<f64>,
    probability_alive: Option<Vec<f64>>,
    interval_p80_days: Option<Vec<Option<f64>>>,
    rule: Option<String>,
) -> napi::Result<Vec<String>, Code> {
    let rule = match rule {
        None => StageRule::default(),
        Some(text) => StageRule::from_overrides(&text).map_err(to_js)?,
    };
    let inputs = StageInputs {
        tenure_days,
        days_since_last,
        probability_alive,
        interval_p80_days,
    };
    let stages = lifecycle_stages(&inputs, &rule).map_err(to_js)?;
    Ok(stages.iter().map(|s| s.name().to_string()).collect())
}

/// One customer attribute column: its values as JSON given values, whose kind the core infers
/// ([`Attribute::infer_json`]).
#[napi(object)]
pub struct AttributeJs {
    pub name: String,
    pub values: String,
}

/// One segmentation: each listed customer's label.
#[napi(object)]
pub struct SegmentLabelsJs {
    pub name: String,
    pub ids: Vec<Option<String>>,
    pub labels: Vec<Option<String>>,
}

/// Audience membership: `members[a][row]` for audience `names[a]` and customer `ids[row]`.
#[napi(object)]
pub struct MembershipJs {
    pub ids: Vec<String>,
    pub names: Vec<String>,
    pub members: Vec<Vec<bool>>,
    pub report: Option<crate::Report>,
}

/// Checked rule audiences, held natively: evaluated without re-reading the document; JSON
/// only through `fromGiven` / `toJson`.
#[napi]
pub struct AudiencesHandle {
    audiences: Audiences,
}

#[napi]
impl AudiencesHandle {
    /// Audiences as a user gives them (an `audiences` document, a list of definitions or an
    /// object of rules by name), read and checked by the core.
    #[napi(factory)]
    pub fn from_given(given: String) -> napi::Result<Self, Code> {
        Ok(AudiencesHandle {
            audiences: Audiences::from_given_json(&given).map_err(to_js)?,
        })
    }

    /// The versioned `audiences` document.
    #[napi]
    pub fn to_json(&self) -> String {
        self.audiences.to_json()
    }

    /// The audience names, in document order.
    #[napi(getter)]
    pub fn names(&self) -> Vec<String> {
        self.audiences
            .names()
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    /// Every customer's membership as of `as_of` (ISO 8601) over the customers of
    /// `customer_ids` (with `attributes`) and of `columns` (transactions).
    #[napi]
    pub fn evaluate(
        &self,
        as_of: String,
        columns: Option<crate::Columns>,
        validation: Option<crate::ValidateOptions>,
        customer_ids: Option<Vec<Option<String>>>,
        attributes: Option<Vec<AttributeJs>>,
        segments: Option<Vec<SegmentLabelsJs>>,
    ) -> napi::Result<MembershipJs, Code> {
        let attributes: Vec<(String, String)> = attributes
            .unwrap_or_default()
            .into_iter()
            .map(|a| (a.name, a.values))
            .collect();
        let customers = customer_ids
            .map(|ids| given_customers(ids, attributes))
            .transpose()
            .map_err(to_js)?;
        let vopts = crate::validation_options(validation.as_ref()).map_err(to_js)?;
        let segments: Vec<SegmentColumn> = segments
            .unwrap_or_default()
            .into_iter()
            .map(|s| SegmentColumn {
                name: s.name,
                ids: s.ids,
                labels: s.labels,
            })
            .collect();
        let (m, report) = match columns {
            None => self
                .audiences
                .evaluate_inputs(AudienceInputs {
                    as_of: &as_of,
                    customers,
                    transactions: None,
                    segments,
                })
                .map_err(to_js)?,
            Some(cols) => crate::with_columns(&cols, |c| {
                self.audiences.evaluate_inputs(AudienceInputs {
                    as_of: &as_of,
                    customers,
                    transactions: Some((c, &vopts)),
                    segments,
                })
            })?,
        };
        let report = report.as_ref().map(crate::report);
        Ok(MembershipJs {
            ids: m.ids,
            names: m.names,
            members: m.members,
            report,
        })
    }
}

/// Segment portraits as JSON texts: (numeric rows, category rows), of feature columns given
/// as the core's given values (the core decides which are numeric); `top` absent: the core's
/// default.
#[napi]
pub fn portrait_of(
    segments: Vec<Option<String>>,
    columns: Vec<AttributeJs>,
    top: Option<u32>,
) -> napi::Result<Vec<String>, Code> {
    let features = columns
        .into_iter()
        .map(|c| {
            let values = kehu::format::parse_json(&c.values).map_err(|reason| {
                to_js(SegmentError::InvalidOption {
                    option: format!("feature '{}'", c.name),
                    reason,
                })
            })?;
            Ok(portrait::GivenFeature {
                name: c.name,
                values,
            })
        })
        .collect::<napi::Result<Vec<_>, Code>>()?;
    let (n, c) = portrait::portrait_of_given(&segments, &features, top.map(|t| t as usize))
        .map_err(to_js)?;
    Ok(vec![
        serde_json::to_string(&n).expect("rows serialise"),
        serde_json::to_string(&c).expect("rows serialise"),
    ])
}
