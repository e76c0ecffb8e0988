//! Parallel, deterministic dictionary encoding of a column.

use super::scatter::Plan;
use rayon::prelude::*;
use rustc_hash::{FxBuildHasher, FxHashMap};
use std::hash::{BuildHasher, Hash};

/// Code of a missing value in an encoded column.
pub const MISSING: u32 = u32::MAX;

const PARTITION_BITS: u32 = 7;
const PARTITIONS: usize = 1 << PARTITION_BITS;

/// Encodes `n` values read by `get` into (dictionary, codes). Missing values get [`MISSING`].
/// Work is split into hash partitions processed in parallel; the result does not depend on the
/// number of threads (codes are numbered partition by partition, in row order within each).
pub(crate) fn intern<K, F>(n: usize, get: F) -> (Vec<K>, Vec<u32>)
where
    K: Hash + Eq + Copy + Default + Send + Sync,
    F: Fn(usize) -> Option<K> + Sync,
{
    let hasher = FxBuildHasher;
    let partition = partitions(n, |row| {
        get(row).map(|key| (hasher.hash_one(key) >> (64 - PARTITION_BITS)) as u8)
    });
    encode(n, &get, partition, |_, _| {})
}

/// [`intern`] with codes numbered in the order of the values (the dictionary is sorted), so
/// that code order is value order. The partitions are ranges of values (split at values drawn
/// from a fixed sample of rows), so sorting each partition's dictionary sorts the whole.
pub(crate) fn intern_in_order<K, F>(n: usize, get: F) -> (Vec<K>, Vec<u32>)
where
    K: Hash + Ord + Copy + Default + Send + Sync,
    F: Fn(usize) -> Option<K> + Sync,
{
    let splitters = Splitters::new(n, &get);
    let partition = partitions(n, |row| get(row).map(|key| splitters.partition(key)));
    encode(
        n,
        &get,
        partition,
        |dict: &mut Vec<K>, codes: &mut Vec<u32>| {
            // Sorting (value, old code) pairs keeps the comparisons on contiguous memory.
            let mut order: Vec<(K, u32)> = dict.iter().copied().zip(0..).collect();
            order.sort_unstable();
            let mut rank = vec![0u32; order.len()];
            for (new, &(key, old)) in order.iter().enumerate() {
                rank[old as usize] = new as u32;
                dict[new] = key;
            }
            for c in codes.iter_mut() {
                *c = rank[*c as usize];
            }
        },
    )
}

/// Values that split the rows into ranges: `PARTITIONS - 1` of them, sorted (repeats allowed),
/// or none when the sample has no values (then every row is in partition 0).
struct Splitters<K>(Vec<K>);

impl<K: Ord + Copy> Splitters<K> {
    /// Splitters that cut a sample of the rows (every `n / 4096`-th row) into equal parts.
    fn new<F: Fn(usize) -> Option<K>>(n: usize, get: &F) -> Splitters<K> {
        let mut sample: Vec<K> = (0..n).step_by((n / 4096).max(1)).filter_map(get).collect();
        sample.sort_unstable();
        sample.dedup();
        let Some(&last) = sample.last() else {
            return Splitters(Vec::new());
        };
        let step = sample.len().div_ceil(PARTITIONS).max(1);
        let mut cuts: Vec<K> = sample.into_iter().skip(step).step_by(step).collect();
        cuts.resize(PARTITIONS - 1, last);
        Splitters(cuts)
    }

    /// The number of splitters at or below `key` (a branch-free binary search): the partition.
    fn partition(&self, key: K) -> u8 {
        if self.0.is_empty() {
            return 0;
        }
        let mut i = 0;
        let mut step = PARTITIONS / 2;
        while step > 0 {
            i += usize::from(self.0[i + step - 1] <= key) * step;
            step /= 2;
        }
        i as u8
    }
}

/// Every row's partition (`u8::MAX` for a missing value).
fn partitions(n: usize, of: impl Fn(usize) -> Option<u8> + Sync) -> Vec<u8> {
    (0..n)
        .into_par_iter()
        .with_min_len(4096)
        .map(|row| of(row).unwrap_or(u8::MAX))
        .collect()
}

/// Encodes the rows partition by partition in parallel: each partition's values get local
/// codes in row order, which `finish` may renumber (with the partition's dictionary); the
/// dictionaries are then concatenated in partition order.
fn encode<K, F>(
    n: usize,
    get: &F,
    partition: Vec<u8>,
    finish: impl Fn(&mut Vec<K>, &mut Vec<u32>) + Sync,
) -> (Vec<K>, Vec<u32>)
where
    K: Hash + Eq + Copy + Default + Send + Sync,
    F: Fn(usize) -> Option<K> + Sync,
{
    let bucket = |row: usize| (partition[row] != u8::MAX).then_some(partition[row] as usize);
    // The keys are bucketed by partition (stable), so each partition works on a contiguous slice.
    let plan = Plan::new(n, PARTITIONS, &bucket);
    let mut bucketed = vec![K::default(); plan.len()];
    plan.scatter(
        &bucket,
        |row| get(row).expect("partitioned rows have values"),
        &mut bucketed[..],
    );
    let parts: Vec<(Vec<K>, Vec<u32>)> = (0..PARTITIONS)
        .into_par_iter()
        .map(|p| {
            let keys = &bucketed[plan.starts[p]..plan.starts[p + 1]];
            let mut map: FxHashMap<K, u32> =
                FxHashMap::with_capacity_and_hasher(keys.len(), FxBuildHasher);
            let mut dict = Vec::new();
            let mut codes = keys
                .iter()
                .map(|&key| {
                    let next = dict.len() as u32;
                    *map.entry(key).or_insert_with(|| {
                        dict.push(key);
                        next
                    })
                })
                .collect();
            finish(&mut dict, &mut codes);
            (dict, codes)
        })
        .collect();
    drop(bucketed);
    let mut first_code = Vec::with_capacity(PARTITIONS);
    let mut dictionary = Vec::with_capacity(parts.iter().map(|p| p.0.len()).sum());
    for (dict, _) in &parts {
        first_code.push(dictionary.len() as u32);
        dictionary.extend_from_slice(dict);
    }
    let mut codes = vec![MISSING; n];
    plan.per_row(
        &bucket,
        |_, at| match at {
            Some((p, k)) => first_code[p] + parts[p].1[k],
            None => MISSING,
        },
        &mut codes,
    );
    (dictionary, codes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_and_marks_missing() {
        let values = [Some("a"), Some("b"), None, Some("a"), Some("c"), Some("b")];
        let (dict, codes) = intern(values.len(), |i| values[i]);
        assert_eq!(dict.len(), 3);
        assert_eq!(codes[2], MISSING);
        for (i, v) in values.iter().enumerate() {
            if let Some(v) = v {
                assert_eq!(dict[codes[i] as usize], *v);
            }
        }
    }

    #[test]
    fn in_order_numbers_codes_by_value() {
        // Skewed integers (many rows of a few values, a long tail), some missing.
        let n = 200_003;
        let values: Vec<Option<i64>> = (0..n as i64)
            .map(|i| match i % 13 {
                0 => None,
                1..=6 => Some(i % 5 - 2),
                _ => Some((i * 7919) % 100_003 - 50_000),
            })
            .collect();
        let (dict, codes) = intern_in_order(n, |i| values[i]);
        assert!(dict.windows(2).all(|w| w[0] < w[1]), "sorted, distinct");
        for (i, v) in values.iter().enumerate() {
            match v {
                Some(v) => assert_eq!(dict[codes[i] as usize], *v),
                None => assert_eq!(codes[i], MISSING),
            }
        }
        let mut distinct: Vec<i64> = values.iter().flatten().copied().collect();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(dict, distinct);
        let text = ["b", "a", "c", "a", ""];
        let (dict, codes) = intern_in_order(text.len(), |i| Some(text[i]));
        assert_eq!(dict, ["", "a", "b", "c"]);
        assert_eq!(codes, [2, 1, 3, 1, 0]);
        let (dict, codes) = intern_in_order(0, |_| Some(1i64));
        assert!(dict.is_empty() && codes.is_empty());
    }
}
