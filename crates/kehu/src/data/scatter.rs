//! A stable counting sort of rows into buckets, run in parallel over chunks of rows. Each chunk
//! counts its rows per bucket; the counts give every chunk its own place in every bucket, so
//! the chunks write at the same time and the result is the serial one, whatever the number of
//! threads or chunks.

use rayon::prelude::*;
use std::ops::Range;

/// Rows per chunk at least (smaller inputs are one chunk).
const MIN_CHUNK: usize = 1 << 16;
/// Chunks at most: bounds the count table (chunks × buckets) for inputs with many buckets.
const MAX_CHUNKS: usize = 64;

/// Where each chunk of rows goes in each bucket.
pub(crate) struct Plan {
    /// Start of each bucket in the sorted output; one more entry than buckets.
    pub starts: Vec<usize>,
    /// For chunk `c` and bucket `b`, `offsets[c * buckets + b]`: where the chunk's first row
    /// of that bucket goes, counted from the bucket's start.
    offsets: Vec<usize>,
    buckets: usize,
    chunk_len: usize,
    rows: usize,
}

impl Plan {
    /// Counts the rows `0..rows` per bucket (`bucket(row)` is `None` for a row left out).
    pub fn new<B>(rows: usize, buckets: usize, bucket: &B) -> Plan
    where
        B: Fn(usize) -> Option<usize> + Sync,
    {
        let chunks = rows.div_ceil(MIN_CHUNK).clamp(1, MAX_CHUNKS);
        let chunk_len = rows.div_ceil(chunks).max(1);
        let mut offsets: Vec<usize> = (0..chunks)
            .into_par_iter()
            .flat_map_iter(|c| {
                let mut counts = vec![0usize; buckets];
                for row in chunk_range(c, chunk_len, rows) {
                    if let Some(b) = bucket(row) {
                        counts[b] += 1;
                    }
                }
                counts
            })
            .collect();
        let mut starts = vec![0usize; buckets + 1];
        for b in 0..buckets {
            let mut within = 0;
            for c in 0..chunks {
                let count = offsets[c * buckets + b];
                offsets[c * buckets + b] = within;
                within += count;
            }
            starts[b + 1] = starts[b] + within;
        }
        Plan {
            starts,
            offsets,
            buckets,
            chunk_len,
            rows,
        }
    }

    /// Number of chunks.
    fn chunks(&self) -> usize {
        self.offsets.len() / self.buckets.max(1)
    }

    /// Rows that have a bucket.
    pub fn len(&self) -> usize {
        self.starts[self.buckets]
    }

    /// Writes `value(row)` for every row with a bucket into `out` (of [`Plan::len`] items),
    /// sorted by bucket and in row order within a bucket. `bucket` must be the function the
    /// plan was made with.
    pub fn scatter<O, B, V>(&self, bucket: &B, value: V, out: O)
    where
        O: Output,
        B: Fn(usize) -> Option<usize> + Sync,
        V: Fn(usize) -> O::Item + Sync,
    {
        assert_eq!(out.len(), self.len(), "output sized by the plan");
        let chunks = self.chunks();
        // Each chunk's share of each bucket, as its own part of `out`: safe parallel writes.
        let mut shares: Vec<Vec<O>> = (0..chunks)
            .map(|_| Vec::with_capacity(self.buckets))
            .collect();
        let mut rest = out;
        for b in 0..self.buckets {
            let (mut region, tail) = rest.split(self.starts[b + 1] - self.starts[b]);
            rest = tail;
            for (c, share) in shares.iter_mut().enumerate() {
                let end = match c + 1 < chunks {
                    true => self.offsets[(c + 1) * self.buckets + b],
                    false => self.starts[b + 1] - self.starts[b],
                };
                let (mine, after) = region.split(end - self.offsets[c * self.buckets + b]);
                share.push(mine);
                region = after;
            }
        }
        shares
            .into_par_iter()
            .enumerate()
            .for_each(|(c, mut share)| {
                for row in chunk_range(c, self.chunk_len, self.rows) {
                    if let Some(b) = bucket(row) {
                        share[b] = std::mem::take(&mut share[b]).put(value(row));
                    }
                }
            });
    }

    /// For every row, `value(row, Some((bucket, position in the bucket)))` — or
    /// `value(row, None)` for a row without a bucket — written to `out[row]`, in parallel.
    pub fn per_row<T, B, V>(&self, bucket: &B, value: V, out: &mut [T])
    where
        T: Send,
        B: Fn(usize) -> Option<usize> + Sync,
        V: Fn(usize, Option<(usize, usize)>) -> T + Sync,
    {
        assert_eq!(out.len(), self.rows, "one output per row");
        out.par_chunks_mut(self.chunk_len)
            .enumerate()
            .for_each(|(c, out)| {
                let mut next = self.offsets[c * self.buckets..(c + 1) * self.buckets].to_vec();
                for (slot, row) in out
                    .iter_mut()
                    .zip(chunk_range(c, self.chunk_len, self.rows))
                {
                    *slot = match bucket(row) {
                        Some(b) => {
                            next[b] += 1;
                            value(row, Some((b, next[b] - 1)))
                        }
                        None => value(row, None),
                    };
                }
            });
    }
}

/// Where [`Plan::scatter`] writes: a slice, or two slices written side by side.
pub(crate) trait Output: Sized + Send + Default {
    /// What one row writes.
    type Item;
    /// Number of slots.
    fn len(&self) -> usize;
    /// The first `at` slots and the rest.
    fn split(self, at: usize) -> (Self, Self);
    /// Writes the first slot, returning the rest.
    fn put(self, item: Self::Item) -> Self;
}

impl<T: Send> Output for &mut [T] {
    type Item = T;
    fn len(&self) -> usize {
        <[T]>::len(self)
    }
    fn split(self, at: usize) -> (Self, Self) {
        self.split_at_mut(at)
    }
    fn put(self, item: T) -> Self {
        let (first, rest) = self.split_first_mut().expect("the plan counted this row");
        *first = item;
        rest
    }
}

impl<A: Send, B: Send> Output for (&mut [A], &mut [B]) {
    type Item = (A, B);
    fn len(&self) -> usize {
        self.0.len().min(self.1.len())
    }
    fn split(self, at: usize) -> (Self, Self) {
        let (a, a_rest) = self.0.split_at_mut(at);
        let (b, b_rest) = self.1.split_at_mut(at);
        ((a, b), (a_rest, b_rest))
    }
    fn put(self, (a, b): (A, B)) -> Self {
        (self.0.put(a), self.1.put(b))
    }
}

fn chunk_range(c: usize, chunk_len: usize, rows: usize) -> Range<usize> {
    (c * chunk_len).min(rows)..((c + 1) * chunk_len).min(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equals_a_serial_stable_sort() {
        for rows in [0usize, 1, 5, 70_000, 300_001] {
            let buckets = 37;
            let bucket = |r: usize| (r % 11 != 3).then_some((r * 7919) % buckets);
            let plan = Plan::new(rows, buckets, &bucket);
            let mut out = vec![0usize; plan.len()];
            plan.scatter(&bucket, |r| r, &mut out[..]);
            let mut expected: Vec<usize> = (0..rows).filter(|&r| bucket(r).is_some()).collect();
            expected.sort_by_key(|&r| bucket(r));
            assert_eq!(out, expected);
            let mut positions = vec![None; rows];
            plan.per_row(&bucket, |_, at| at, &mut positions);
            for (i, &r) in expected.iter().enumerate() {
                let (b, k) = positions[r].expect("a bucketed row");
                assert_eq!(b, bucket(r).unwrap());
                assert_eq!(plan.starts[b] + k, i);
            }
            assert!((0..rows).all(|r| bucket(r).is_some() || positions[r].is_none()));
        }
    }
}
