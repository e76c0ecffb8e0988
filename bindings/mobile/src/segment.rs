//! On-device segment assignment with maps, k-means and k-prototypes models saved by any kehu
//! binding, and rule audiences for one customer.

use crate::{IncrementalProfile, KehuError, ProfileEvent, ProfileSettings};
use kehu::segment::audience::{AttributeValue, Audiences, OneCustomer, PurchaseEvent};
use kehu::segment::gmm::GaussianMixture;
use kehu::segment::kmeans::KMeansModel;
use kehu::segment::kprototypes::KPrototypesModel;
use kehu::segment::lifecycle::{lifecycle_stages, StageInputs, StageRule};
use kehu::segment::SegmentMap;
use std::collections::HashMap;
use std::sync::Arc;

/// An RFM segment map (`segment_map` document): names the segment of one customer's scores.
#[derive(uniffi::Object)]
pub struct SegmentMapper {
    map: SegmentMap,
}

#[uniffi::export]
impl SegmentMapper {
    /// Loads a `segment_map` document.
    #[uniffi::constructor]
    pub fn from_json(document: String) -> Result<Arc<Self>, KehuError> {
        Ok(Arc::new(SegmentMapper {
            map: SegmentMap::from_json(&document)?,
        }))
    }

    /// The segment of scores (r, f, m), `None` when no rule matches; scores outside the map's
    /// range are an error (`SEGMENT_SCORE_OUT_OF_RANGE`).
    pub fn segment(&self, r: u32, f: u32, m: u32) -> Result<Option<String>, KehuError> {
        Ok(self.map.try_segment_of(r, f, m)?.map(str::to_string))
    }
}

/// A fitted k-means model (`kmeans` document): assigns one customer's feature vector.
#[derive(uniffi::Object)]
pub struct ClusterAssigner {
    model: KMeansModel,
}

#[uniffi::export]
impl ClusterAssigner {
    /// Loads a `kmeans` document.
    #[uniffi::constructor]
    pub fn from_json(document: String) -> Result<Arc<Self>, KehuError> {
        Ok(Arc::new(ClusterAssigner {
            model: KMeansModel::from_json(&document)?,
        }))
    }

    /// The nearest centre of `features` (as many values as the model's columns).
    pub fn cluster(&self, features: Vec<f64>) -> Result<u32, KehuError> {
        Ok(self.model.predict_one(&features)?)
    }
}

/// A fitted k-prototypes or k-modes model (`kprototypes` document): assigns one customer.
#[derive(uniffi::Object)]
pub struct ModesAssigner {
    model: KPrototypesModel,
}

#[uniffi::export]
impl ModesAssigner {
    /// Loads a `kprototypes` document.
    #[uniffi::constructor]
    pub fn from_json(document: String) -> Result<Arc<Self>, KehuError> {
        Ok(Arc::new(ModesAssigner {
            model: KPrototypesModel::from_json(&document)?,
        }))
    }

    /// The nearest centre of one customer: the model's numeric values (NaN = missing) and one
    /// category per categorical column (`None` = missing; unseen categories are allowed).
    pub fn cluster(
        &self,
        numeric: Vec<f64>,
        categorical: Vec<Option<String>>,
    ) -> Result<u32, KehuError> {
        Ok(self.model.predict_one(&numeric, &categorical)?)
    }
}

/// One attribute value of a customer: set exactly one of number, text, flag or date (ISO 8601
/// date or date-time, read by the core's one rule for times; a date-time counts its day).
#[derive(Debug, Clone, uniffi::Record)]
pub struct AttributeEntry {
    pub name: String,
    pub number: Option<f64>,
    pub text: Option<String>,
    pub flag: Option<bool>,
    pub date: Option<String>,
}

/// Rule audiences (`audiences` document) evaluated for one customer on the device.
#[derive(uniffi::Object)]
pub struct AudienceEvaluator {
    audiences: Audiences,
}

fn attribute_value(a: &AttributeEntry) -> Result<AttributeValue, KehuError> {
    Ok(AttributeValue::from_given(
        &a.name,
        a.number,
        a.text.clone(),
        a.flag,
        a.date.as_deref(),
    )?)
}

#[uniffi::export]
impl AudienceEvaluator {
    /// Loads audiences: an `audiences` document, a list of definitions or an object of rules
    /// by name (checked: invalid rules are rejected naming the node).
    #[uniffi::constructor]
    pub fn from_json(document: String) -> Result<Arc<Self>, KehuError> {
        Ok(Arc::new(AudienceEvaluator {
            audiences: Audiences::from_given_json(&document)?,
        }))
    }

    /// The audiences' names, in document order.
    pub fn names(&self) -> Vec<String> {
        self.audiences
            .names()
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    /// The audiences one customer is in as of `as_of` (ISO 8601): profile fields from the
    /// on-device profile, the given attributes and segment labels, and `events` for event
    /// conditions.
    pub fn audiences_of(
        &self,
        customer_id: String,
        profile: Option<Arc<IncrementalProfile>>,
        attributes: Vec<AttributeEntry>,
        segments: HashMap<String, String>,
        events: Vec<ProfileEvent>,
        as_of: String,
    ) -> Result<Vec<String>, KehuError> {
        let mut customer = OneCustomer::as_of(&as_of)?;
        let settings = ProfileSettings {
            observation_end: Some(as_of),
            ..Default::default()
        };
        customer.profile = match profile {
            Some(p) => p.compute(&customer_id, Some(settings))?,
            None => None,
        };
        customer.segments = segments.into_iter().collect();
        for a in &attributes {
            customer
                .attributes
                .insert(a.name.clone(), attribute_value(a)?);
        }
        for (i, e) in events.iter().enumerate() {
            customer.events.push(PurchaseEvent {
                amount: Some(e.amount),
                category: e.category.clone(),
                channel: e.channel.clone(),
                order_id: e.order_id.clone(),
                ..PurchaseEvent::at(i, &e.timestamp)?
            });
        }
        let member = self.audiences.evaluate_one(&customer)?;
        Ok(self
            .audiences
            .names()
            .into_iter()
            .zip(member)
            .filter(|(_, m)| *m)
            .map(|(n, _)| n.to_string())
            .collect())
    }
}

/// A fitted Gaussian mixture (`gaussian_mixture` document): the component and probabilities
/// of one customer's feature vector.
#[derive(uniffi::Object)]
pub struct MixtureAssigner {
    model: GaussianMixture,
}

#[uniffi::export]
impl MixtureAssigner {
    /// Loads a Gaussian mixture document.
    #[uniffi::constructor]
    pub fn from_json(document: String) -> Result<Arc<Self>, KehuError> {
        Ok(Arc::new(MixtureAssigner {
            model: GaussianMixture::from_json(&document)?,
        }))
    }

    /// The most probable component of `features`.
    pub fn component(&self, features: Vec<f64>) -> Result<u32, KehuError> {
        Ok(self.model.predict_one(&features)?)
    }

    /// The probability of each component for `features`.
    pub fn probabilities(&self, features: Vec<f64>) -> Result<Vec<f64>, KehuError> {
        Ok(self.model.predict_proba_one(&features)?)
    }
}

/// The lifecycle stage of one customer (`prospect`, `new`, `active`, `at_risk`, `lapsed`,
/// `lost`): `tenure_days` `None` for no purchase; `rule` the core's JSON overrides (kind days,
/// cadence or alive; absent: days); `interval_p80_days` and `probability_alive` as the rule
/// needs (from the profile and a value model).
#[uniffi::export]
pub fn lifecycle_stage(
    tenure_days: Option<f64>,
    days_since_last: f64,
    interval_p80_days: Option<f64>,
    probability_alive: Option<f64>,
    rule: Option<String>,
) -> Result<String, KehuError> {
    let rule = match rule {
        None => StageRule::default(),
        Some(text) => StageRule::from_overrides(&text)?,
    };
    let inputs = StageInputs {
        tenure_days: vec![tenure_days],
        days_since_last: vec![days_since_last],
        probability_alive: probability_alive.map(|p| vec![p]),
        interval_p80_days: Some(vec![interval_p80_days]),
    };
    Ok(lifecycle_stages(&inputs, &rule)?[0].name().to_string())
}
