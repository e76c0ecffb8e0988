//! On-device segment assignment with maps and k-means models saved by any kehu binding.

use crate::KehuError;
use kehu::segment::kmeans::KMeansModel;
use kehu::segment::SegmentMap;
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

    /// The segment of scores (r, f, m), `None` when no rule matches.
    pub fn segment(&self, r: u32, f: u32, m: u32) -> Option<String> {
        self.map.segment_of(r, f, m).map(str::to_string)
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
