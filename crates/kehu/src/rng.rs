//! The crate's random numbers: [`Draw`], seeded ChaCha8 streams with platform-independent
//! `libm` maths. Every random choice in kehu (the simulator, value-model simulation, k-means and
//! k-prototypes seeding, mini-batch sampling, quality-score subsamples) comes from a `Draw` made
//! from a seed and a stream number, so a seed gives the same numbers on every platform and for
//! any thread count.

use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

/// Random variates from one ChaCha8 stream, with platform-independent `libm` maths.
pub(crate) struct Draw(ChaCha8Rng);

impl Draw {
    /// Stream `stream` of the generator seeded with `seed`.
    pub(crate) fn new(seed: u64, stream: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(stream);
        Draw(rng)
    }

    /// Uniform on the open interval (0, 1).
    pub(crate) fn uniform(&mut self) -> f64 {
        ((self.0.next_u64() >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform on 0, 1, …, n − 1.
    pub(crate) fn below(&mut self, n: usize) -> usize {
        ((self.uniform() * n as f64) as usize).min(n - 1)
    }

    /// True with probability `p`.
    pub(crate) fn bernoulli(&mut self, p: f64) -> bool {
        self.uniform() < p
    }

    /// Exponential with `rate`.
    pub(crate) fn exponential(&mut self, rate: f64) -> f64 {
        -libm::log(self.uniform()) / rate
    }

    /// Standard normal (Box-Muller, one of the pair).
    pub(crate) fn normal(&mut self) -> f64 {
        let (u1, u2) = (self.uniform(), self.uniform());
        libm::sqrt(-2.0 * libm::log(u1)) * libm::cos(2.0 * std::f64::consts::PI * u2)
    }

    /// Gamma with `shape` and `scale` (Marsaglia and Tsang 2000; boosted for shape < 1).
    pub(crate) fn gamma(&mut self, shape: f64, scale: f64) -> f64 {
        if shape < 1.0 {
            let u = self.uniform();
            return self.gamma(shape + 1.0, scale) * libm::pow(u, 1.0 / shape);
        }
        let d = shape - 1.0 / 3.0;
        let c = 1.0 / libm::sqrt(9.0 * d);
        loop {
            let x = self.normal();
            let v = 1.0 + c * x;
            if v <= 0.0 {
                continue;
            }
            let v = v * v * v;
            let u = self.uniform();
            if libm::log(u) < 0.5 * x * x + d - d * v + d * libm::log(v) {
                return d * v * scale;
            }
        }
    }

    /// Beta(a, b), from two gammas.
    pub(crate) fn beta(&mut self, a: f64, b: f64) -> f64 {
        let x = self.gamma(a, 1.0);
        let y = self.gamma(b, 1.0);
        x / (x + y)
    }

    /// Weights from a symmetric Dirichlet(concentration).
    pub(crate) fn dirichlet(&mut self, k: usize, concentration: f64) -> Vec<f64> {
        let g: Vec<f64> = (0..k).map(|_| self.gamma(concentration, 1.0)).collect();
        let total: f64 = g.iter().sum();
        g.iter().map(|x| x / total).collect()
    }

    /// An index drawn with probability `weights[i]` (weights summing to 1; the last index if
    /// rounding leaves none).
    pub(crate) fn choose(&mut self, weights: &[f64]) -> usize {
        let mut u = self.uniform();
        for (i, w) in weights.iter().enumerate() {
            if u < *w {
                return i;
            }
            u -= w;
        }
        weights.len() - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gamma_and_beta_moments() {
        let mut d = Draw::new(1, 0);
        let n = 200_000;
        let g: Vec<f64> = (0..n).map(|_| d.gamma(0.243, 1.0 / 4.414)).collect();
        let mean = g.iter().sum::<f64>() / n as f64;
        assert!((mean - 0.243 / 4.414).abs() < 0.002, "{mean}");
        let b: Vec<f64> = (0..n).map(|_| d.beta(0.793, 2.426)).collect();
        let mean = b.iter().sum::<f64>() / n as f64;
        assert!((mean - 0.793 / (0.793 + 2.426)).abs() < 0.003, "{mean}");
    }
}
