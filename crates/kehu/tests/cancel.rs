//! Cancellation (issue 15): with a stop requested, long calls return their area's typed
//! `Cancelled` (code CANCELLED) instead of running on. One test, in its own process, because
//! the flag is process-wide.

use kehu::learn::Fit;
use kehu::segment::gmm::GmmOptions;
use kehu::segment::kmeans::{KMeansOptions, Rows};
use kehu::segment::SegmentError;
use kehu::value::ValueError;
use kehu::value::{ValueColumns, ValueFit, ValueOptions};

#[test]
fn long_calls_stop_with_a_typed_cancelled_error() {
    let data: Vec<f64> = (0..4000)
        .map(|i| ((i * 7919) % 1000) as f64 / 10.0)
        .collect();
    let x = Rows::new(&data, 2).unwrap();
    let opts = KMeansOptions {
        k: 50,
        ..Default::default()
    };
    assert!(opts.fit(&x).is_ok());
    kehu::cancel::request();
    let err = opts.fit(&x).unwrap_err();
    assert!(matches!(err, SegmentError::Cancelled(_)), "{err:?}");
    assert_eq!(err.code(), "CANCELLED");
    let gmm_opts = GmmOptions {
        k: 3,
        ..Default::default()
    };
    assert!(matches!(gmm_opts.fit(&x), Err(SegmentError::Cancelled(_))));
    let labels: Vec<u32> = (0..2000).map(|i| (i % 3) as u32).collect();
    assert!(matches!(
        kehu::segment::quality::silhouette_score(&x, &labels),
        Err(SegmentError::Cancelled(_))
    ));
    let (f, r, t) = ([1.0, 2.0, 0.0, 5.0], [5.0, 10.0, 0.0, 20.0], [30.0; 4]);
    let err = ValueOptions {
        kind: "pnbd".to_string(),
        penalizer: 0.0,
        q_constraint: false,
    }
    .fit(&ValueColumns {
        a: &f,
        b: &r,
        c: Some(&t),
        weights: None,
    })
    .map(ValueFit::into_parts)
    .unwrap_err();
    assert!(matches!(err, ValueError::Cancelled(_)), "{err:?}");
    assert_eq!(kehu::Error::from(err).code(), "CANCELLED");
    // The calls stopped for the request; after the reset everything runs again.
    assert!(kehu::cancel::reset());
    assert!(!kehu::cancel::reset());
    assert!(opts.fit(&x).is_ok());
    assert!(ValueOptions {
        kind: "pnbd".to_string(),
        penalizer: 0.0,
        q_constraint: false,
    }
    .fit(&ValueColumns {
        a: &f,
        b: &r,
        c: Some(&t),
        weights: None
    })
    .map(ValueFit::into_parts)
    .is_ok());
}
