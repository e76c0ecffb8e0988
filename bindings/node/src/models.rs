//! Fitted segmentation models as native handles: each JS object holds the core's model (checked
//! and prepared once), with getters; JSON is read and written only by `fromJson` / `toJson`.

use crate::segment::parse;
use crate::{to_js, Code};
use kehu::learn::{Fit, Predict, Transform, Weighted};
use kehu::segment::gmm::{GaussianMixture, GmmOptions};
use kehu::segment::kmeans::{KMeansModel, KMeansOptions, Rows};
use kehu::segment::kprototypes::{KPrototypesModel, KPrototypesOptions, MixedTable};
use kehu::segment::minibatch::{MiniBatchKMeans, MiniBatchOptions};
use napi::bindgen_prelude::Float64Array;
use napi_derive::napi;

/// Rows of `d` values (row-major); `d` absent: the model's width.
fn rows(data: &[f64], d: Option<u32>, model_d: usize) -> napi::Result<Rows<'_>, Code> {
    Rows::new(data, d.map_or(model_d, |d| d as usize)).map_err(to_js)
}

/// Rows split into `d`-wide arrays.
fn split(flat: &[f64], d: usize) -> Vec<Vec<f64>> {
    if d == 0 {
        return Vec::new();
    }
    flat.chunks(d).map(<[f64]>::to_vec).collect()
}

/// A fitted k-means model.
#[napi(js_name = "KMeansModel")]
pub struct KMeansModelJs {
    model: KMeansModel,
}

#[napi]
impl KMeansModelJs {
    /// Reads and checks a `kmeans` document saved by any binding.
    #[napi(factory)]
    pub fn from_json(json: String) -> napi::Result<Self, Code> {
        let model = KMeansModel::from_json(&json).map_err(to_js)?;
        Ok(KMeansModelJs { model })
    }

    /// The model as a versioned document.
    #[napi]
    pub fn to_json(&self) -> String {
        self.model.to_json()
    }

    /// Columns per row.
    #[napi(getter)]
    pub fn d(&self) -> u32 {
        self.model.d as u32
    }

    /// Number of clusters.
    #[napi(getter)]
    pub fn k(&self) -> u32 {
        self.model.k() as u32
    }

    /// The centres, one array of d values each.
    #[napi(getter)]
    pub fn centers(&self) -> Vec<Vec<f64>> {
        split(&self.model.centers, self.model.d)
    }

    /// The nearest centre of each row.
    #[napi]
    pub fn predict(&self, data: Float64Array, d: Option<u32>) -> napi::Result<Vec<u32>, Code> {
        let x = rows(&data, d, self.model.d)?;
        self.model.predict(&x).map_err(to_js)
    }

    /// Distances of each row to every centre (n × k, row-major).
    #[napi]
    pub fn transform(
        &self,
        data: Float64Array,
        d: Option<u32>,
    ) -> napi::Result<Float64Array, Code> {
        let x = rows(&data, d, self.model.d)?;
        Ok(self.model.transform(&x).map_err(to_js)?.into())
    }

    /// Σ weight · squared distance of each row to its nearest centre.
    #[napi]
    pub fn inertia(
        &self,
        data: Float64Array,
        d: Option<u32>,
        sample_weight: Option<Vec<f64>>,
    ) -> napi::Result<f64, Code> {
        let x = rows(&data, d, self.model.d)?;
        self.model
            .inertia(&x, sample_weight.as_deref())
            .map_err(to_js)
    }
}

impl From<KMeansModel> for KMeansModelJs {
    fn from(model: KMeansModel) -> Self {
        KMeansModelJs { model }
    }
}

/// A k-means fit: the model, each row's cluster, the inertia and the iterations.
#[napi(object, object_from_js = false)]
pub struct KMeansFitJs {
    pub model: KMeansModelJs,
    pub labels: Vec<u32>,
    pub inertia: f64,
    pub n_iter: u32,
}

/// Fits k-means on `data` (rows of `d` values, row-major); `options` is the core's
/// KMeansOptions as JSON (absent: its defaults).
#[napi]
pub fn kmeans_fit(
    data: Float64Array,
    d: u32,
    options: Option<String>,
    sample_weight: Option<Vec<f64>>,
) -> napi::Result<KMeansFitJs, Code> {
    let opts: KMeansOptions = parse("KMeans", options)?;
    let x = Rows::new(&data, d as usize).map_err(to_js)?;
    let f = opts
        .fit(&Weighted::new(&x, sample_weight.as_deref()))
        .map_err(to_js)?;
    Ok(KMeansFitJs {
        model: f.model.into(),
        labels: f.labels,
        inertia: f.inertia,
        n_iter: f.n_iter as u32,
    })
}

/// The training state of mini-batch k-means (continued by `partialFit` in any binding).
#[napi(js_name = "MiniBatchState")]
pub struct MiniBatchStateJs {
    state: MiniBatchKMeans,
}

#[napi]
impl MiniBatchStateJs {
    /// Reads and checks a saved state.
    #[napi(factory)]
    pub fn from_json(json: String) -> napi::Result<Self, Code> {
        let state = MiniBatchKMeans::from_json(&json).map_err(to_js)?;
        Ok(MiniBatchStateJs { state })
    }

    /// The state as a versioned document.
    #[napi]
    pub fn to_json(&self) -> String {
        self.state.to_json()
    }

    /// Mini-batch steps taken so far.
    #[napi(getter)]
    pub fn steps(&self) -> f64 {
        self.state.steps as f64
    }

    /// The current centres as a k-means model.
    #[napi(getter)]
    pub fn model(&self) -> KMeansModelJs {
        self.state.model().into()
    }

    /// One step on a batch of rows (`state` absent: start from the batch); returns the new
    /// state, this one is left as it was.
    #[napi(factory)]
    pub fn partial_fit(
        state: Option<&MiniBatchStateJs>,
        data: Float64Array,
        d: u32,
        options: Option<String>,
        sample_weight: Option<Vec<f64>>,
    ) -> napi::Result<Self, Code> {
        let opts: MiniBatchOptions = parse("MiniBatchKMeans", options)?;
        let x = Rows::new(&data, d as usize).map_err(to_js)?;
        let state = MiniBatchKMeans::partial_fit(
            state.map(|s| s.state.clone()),
            &x,
            sample_weight.as_deref(),
            &opts,
        )
        .map_err(to_js)?;
        Ok(MiniBatchStateJs { state })
    }
}

/// A mini-batch k-means fit: the training state, labels, inertia, passes and steps.
#[napi(object, object_from_js = false)]
pub struct MiniBatchFitJs {
    pub state: MiniBatchStateJs,
    pub labels: Vec<u32>,
    pub inertia: f64,
    pub n_iter: u32,
    pub n_steps: u32,
}

/// Fits mini-batch k-means on `data` (rows of `d` values); `options` is the core's
/// MiniBatchOptions as JSON.
#[napi]
pub fn minibatch_fit(
    data: Float64Array,
    d: u32,
    options: Option<String>,
    sample_weight: Option<Vec<f64>>,
) -> napi::Result<MiniBatchFitJs, Code> {
    let opts: MiniBatchOptions = parse("MiniBatchKMeans", options)?;
    let x = Rows::new(&data, d as usize).map_err(to_js)?;
    let f = opts
        .fit(&Weighted::new(&x, sample_weight.as_deref()))
        .map_err(to_js)?;
    Ok(MiniBatchFitJs {
        state: MiniBatchStateJs { state: f.state },
        labels: f.labels,
        inertia: f.inertia,
        n_iter: f.n_iter as u32,
        n_steps: f.n_steps as u32,
    })
}

/// A fitted Gaussian mixture (prepared once: its Cholesky factors are kept).
#[napi(js_name = "GaussianMixtureModel")]
pub struct GaussianMixtureJs {
    model: GaussianMixture,
}

#[napi]
impl GaussianMixtureJs {
    /// Reads and checks a `gmm` document saved by any binding.
    #[napi(factory)]
    pub fn from_json(json: String) -> napi::Result<Self, Code> {
        let model = GaussianMixture::from_json(&json).map_err(to_js)?;
        Ok(GaussianMixtureJs { model })
    }

    /// The mixture as a versioned document.
    #[napi]
    pub fn to_json(&self) -> String {
        self.model.to_json()
    }

    /// Columns per row.
    #[napi(getter)]
    pub fn d(&self) -> u32 {
        self.model.d as u32
    }

    /// Components.
    #[napi(getter)]
    pub fn k(&self) -> u32 {
        self.model.k() as u32
    }

    /// Mixture weights.
    #[napi(getter)]
    pub fn weights(&self) -> Vec<f64> {
        self.model.weights.clone()
    }

    /// Means, one array of d values per component.
    #[napi(getter)]
    pub fn means(&self) -> Vec<Vec<f64>> {
        split(&self.model.means, self.model.d)
    }

    /// The most probable component of each row.
    #[napi]
    pub fn predict(&self, data: Float64Array, d: Option<u32>) -> napi::Result<Vec<u32>, Code> {
        let x = rows(&data, d, self.model.d)?;
        self.model.predict(&x).map_err(to_js)
    }

    /// Responsibilities (n × k, row-major).
    #[napi]
    pub fn predict_proba(
        &self,
        data: Float64Array,
        d: Option<u32>,
    ) -> napi::Result<Float64Array, Code> {
        let x = rows(&data, d, self.model.d)?;
        Ok(self.model.predict_proba(&x).map_err(to_js)?.into())
    }

    /// BIC on the rows (lower is better).
    #[napi]
    pub fn bic(&self, data: Float64Array, d: Option<u32>) -> napi::Result<f64, Code> {
        let x = rows(&data, d, self.model.d)?;
        self.model.bic(&x).map_err(to_js)
    }
}

/// A Gaussian-mixture fit.
#[napi(object, object_from_js = false)]
pub struct GmmFitJs {
    pub model: GaussianMixtureJs,
    pub converged: bool,
    pub n_iter: u32,
    pub lower_bound: f64,
}

/// Fits a Gaussian mixture on `data` (rows of `d` values); `options` is the core's GmmOptions
/// as JSON.
#[napi]
pub fn gmm_fit(
    data: Float64Array,
    d: u32,
    options: Option<String>,
) -> napi::Result<GmmFitJs, Code> {
    let opts: GmmOptions = parse("GaussianMixture", options)?;
    let x = Rows::new(&data, d as usize).map_err(to_js)?;
    let f = opts.fit(&x).map_err(to_js)?;
    Ok(GmmFitJs {
        model: GaussianMixtureJs { model: f.model },
        converged: f.converged,
        n_iter: f.n_iter as u32,
        lower_bound: f.lower_bound,
    })
}

/// A fitted k-prototypes (or k-modes) model.
#[napi(js_name = "KPrototypesModel")]
pub struct KPrototypesModelJs {
    model: KPrototypesModel,
}

#[napi]
impl KPrototypesModelJs {
    /// Reads and checks a `kprototypes` document saved by any binding.
    #[napi(factory)]
    pub fn from_json(json: String) -> napi::Result<Self, Code> {
        let model = KPrototypesModel::from_json(&json).map_err(to_js)?;
        Ok(KPrototypesModelJs { model })
    }

    /// The model as a versioned document.
    #[napi]
    pub fn to_json(&self) -> String {
        self.model.to_json()
    }

    /// Numeric columns per row.
    #[napi(getter)]
    pub fn p(&self) -> u32 {
        self.model.p as u32
    }

    /// Categorical columns per row.
    #[napi(getter)]
    pub fn q(&self) -> u32 {
        self.model.gamma.len() as u32
    }

    /// γ per categorical column.
    #[napi(getter)]
    pub fn gamma(&self) -> Vec<f64> {
        self.model.gamma.clone()
    }

    /// The numeric part of each centre.
    #[napi(getter)]
    pub fn numeric_centres(&self) -> Vec<Vec<f64>> {
        self.model.numeric_centres()
    }

    /// The modes of each centre, as category values.
    #[napi(getter)]
    pub fn mode_values(&self) -> Vec<Vec<String>> {
        self.model.mode_values()
    }

    /// The indices of the categorical columns of the table the model was fitted on.
    #[napi(getter)]
    pub fn categorical_columns(&self) -> Vec<u32> {
        self.model
            .categorical_columns()
            .into_iter()
            .map(|c| c as u32)
            .collect()
    }

    /// The nearest centre of each row: `rows` as JSON rows of the core's given values, split
    /// by the core at the `categorical` column indices (absent: the fitted table's layout).
    #[napi]
    pub fn predict(
        &self,
        rows: String,
        categorical: Option<Vec<i64>>,
    ) -> napi::Result<Vec<u32>, Code> {
        let layout = self.model.layout(categorical);
        let table = MixedTable::from_rows_json(&rows, Some(&layout)).map_err(to_js)?;
        let (labels, _) = self.model.predict_table(&table, None).map_err(to_js)?;
        Ok(labels)
    }
}

/// A fitted k-prototypes model, its labels, cost, iterations and notes.
#[napi(object, object_from_js = false)]
pub struct KPrototypesFitJs {
    pub model: KPrototypesModelJs,
    pub labels: Vec<u32>,
    pub cost: f64,
    pub n_iter: u32,
    pub notes: Vec<String>,
}

/// Fits k-prototypes (k-modes without numeric columns): `rows` as JSON rows of the core's
/// given values, split by the core at the `categorical` column indices (absent: every column,
/// k-modes).
#[napi]
pub fn kprototypes_fit(
    rows: String,
    categorical: Option<Vec<i64>>,
    options: Option<String>,
    sample_weight: Option<Vec<f64>>,
) -> napi::Result<KPrototypesFitJs, Code> {
    let opts: KPrototypesOptions = parse("KPrototypes", options)?;
    let table = MixedTable::from_rows_json(&rows, categorical.as_deref()).map_err(to_js)?;
    let f = opts
        .fit_table(&table, sample_weight.as_deref())
        .map_err(to_js)?;
    Ok(KPrototypesFitJs {
        model: KPrototypesModelJs { model: f.model },
        labels: f.labels,
        cost: f.cost,
        n_iter: f.n_iter as u32,
        notes: f.notes,
    })
}
