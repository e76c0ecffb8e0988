//! Squared Euclidean distances, specialised for the row width, and the wrapper that compiles a
//! hot loop for AVX when the CPU has it. Every width and instruction set performs the same
//! operations in the same order (no fused multiply-add), so results are bit-identical on every
//! machine.

/// Squared Euclidean distance (fixed-size code for widths up to 8).
#[inline(always)]
pub(crate) fn sq_dist(a: &[f64], b: &[f64]) -> f64 {
    match a.len() {
        1 => fixed::<1>(a, b),
        2 => fixed::<2>(a, b),
        3 => fixed::<3>(a, b),
        4 => fixed::<4>(a, b),
        5 => fixed::<5>(a, b),
        6 => fixed::<6>(a, b),
        7 => fixed::<7>(a, b),
        8 => fixed::<8>(a, b),
        _ => wide(a, b),
    }
}

/// Four running sums over the columns j ≡ 0, 1, 2, 3 (mod 4), then (s0 + s1) + (s2 + s3).
#[inline(always)]
fn fixed<const D: usize>(a: &[f64], b: &[f64]) -> f64 {
    let (a, b): (&[f64; D], &[f64; D]) =
        (a.try_into().expect("width"), b.try_into().expect("width"));
    let mut acc = [0.0; 4];
    for j in 0..D {
        let d = a[j] - b[j];
        acc[j % 4] += d * d;
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3])
}

/// Eight running sums over blocks of eight columns, then the remaining columns.
#[inline(always)]
fn wide(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for j in 0..8 {
            let t = x[j] - y[j];
            acc[j] += t * t;
        }
    }
    let mut s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    for (x, y) in ra.iter().zip(rb) {
        s += (x - y) * (x - y);
    }
    s
}

/// The nearest of `centers` (row-major, `d` columns) and its squared distance; the lowest index
/// among equally near ones.
pub(crate) fn nearest(x: &[f64], centers: &[f64], d: usize) -> (u32, f64) {
    with_width!(d, |w| w.nearest(x, centers))
}

/// A row width known to the compiler ([`Fixed`]) or only at run time ([`Any`]): loops generic
/// over it compile to straight-line distance code for the common widths.
pub(crate) trait Width: Copy + Send + Sync {
    /// Whether skipping a distance that the triangle inequality shows cannot win pays for the
    /// test: for wide rows, whose distances are dear; narrow ones compute them branch-free.
    const PRUNE: bool;
    /// Columns per row.
    fn d(self) -> usize;
    /// Squared Euclidean distance between two rows of this width (the same value as
    /// [`sq_dist`]).
    fn dist(self, a: &[f64], b: &[f64]) -> f64;

    /// The nearest of `centers` (row-major) and its squared distance; the lowest index among
    /// equally near ones.
    #[inline(always)]
    fn nearest(self, x: &[f64], centers: &[f64]) -> (u32, f64) {
        let mut best = (0u32, f64::INFINITY);
        for (c, center) in centers.chunks_exact(self.d()).enumerate() {
            let dist = self.dist(x, center);
            if dist < best.1 {
                best = (c as u32, dist);
            }
        }
        best
    }
}

/// A width fixed at compile time (1 to 8 columns).
#[derive(Clone, Copy)]
pub(crate) struct Fixed<const D: usize>;

impl<const D: usize> Width for Fixed<D> {
    const PRUNE: bool = false;
    #[inline(always)]
    fn d(self) -> usize {
        D
    }
    #[inline(always)]
    fn dist(self, a: &[f64], b: &[f64]) -> f64 {
        fixed::<D>(a, b)
    }
}

/// A width over 8 columns.
#[derive(Clone, Copy)]
pub(crate) struct Any(pub usize);

impl Width for Any {
    const PRUNE: bool = true;
    #[inline(always)]
    fn d(self) -> usize {
        self.0
    }
    #[inline(always)]
    fn dist(self, a: &[f64], b: &[f64]) -> f64 {
        wide(a, b)
    }
}

/// Evaluates `$body` with `$w` bound to the [`Width`] for `$d` columns.
macro_rules! with_width {
    ($d:expr, |$w:ident| $body:expr) => {
        match $d {
            1 => {
                let $w = $crate::segment::distance::Fixed::<1>;
                $body
            }
            2 => {
                let $w = $crate::segment::distance::Fixed::<2>;
                $body
            }
            3 => {
                let $w = $crate::segment::distance::Fixed::<3>;
                $body
            }
            4 => {
                let $w = $crate::segment::distance::Fixed::<4>;
                $body
            }
            5 => {
                let $w = $crate::segment::distance::Fixed::<5>;
                $body
            }
            6 => {
                let $w = $crate::segment::distance::Fixed::<6>;
                $body
            }
            7 => {
                let $w = $crate::segment::distance::Fixed::<7>;
                $body
            }
            8 => {
                let $w = $crate::segment::distance::Fixed::<8>;
                $body
            }
            d => {
                let $w = $crate::segment::distance::Any(d);
                $body
            }
        }
    };
}
pub(crate) use with_width;

/// Runs `f`, compiled for AVX when the CPU supports it (four lanes instead of two; the same
/// operations, so the same results).
#[inline(always)]
pub(crate) fn simd<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx") {
            // SAFETY: the CPU supports AVX (checked just above).
            return unsafe { avx(f) };
        }
    }
    f()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
unsafe fn avx<R>(f: impl FnOnce() -> R) -> R {
    f()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_width_gives_the_general_formula() {
        for d in 1..=20 {
            let a: Vec<f64> = (0..d).map(|j| 0.5 + j as f64 * 1.25).collect();
            let b: Vec<f64> = (0..d).map(|j| (j * j) as f64 * 0.1 - 2.0).collect();
            let exact: f64 = a.iter().zip(&b).map(|(x, y)| (x - y) * (x - y)).sum();
            let got = with_width!(d, |w| w.dist(&a, &b));
            assert_eq!(got, sq_dist(&a, &b));
            approx::assert_relative_eq!(got, exact, max_relative = 1e-14);
            let centers: Vec<f64> = [b.clone(), a.clone()].concat();
            assert_eq!(with_width!(d, |w| w.nearest(&a, &centers)), (1, 0.0));
        }
    }
}
