//! A list that grows without moving what it holds.
//!
//! A `Vec` that outgrows its allocation copies everything into one twice
//! the size. For an account's batches that copy, tens of megabytes after
//! a few hundred thousand sends, happens under the account's lock and
//! stalls every send meanwhile (most allocators copy; glibc alone remaps
//! the pages). Here items live in chunks of [`CHUNK`]: a full chunk is
//! never moved. The first chunk starts small, so an account with one batch
//! does not pay for a chunk; every later one is made whole at once, so its
//! items are not copied as it fills (untouched, its memory costs nothing).

use std::ops::{Index, IndexMut};

/// Items per full chunk.
const CHUNK: usize = 1024;

#[derive(Debug, Clone)]
pub struct ChunkedVec<T> {
    /// Every chunk but the last holds exactly [`CHUNK`] items.
    chunks: Vec<Vec<T>>,
    len: usize,
}

impl<T> Default for ChunkedVec<T> {
    fn default() -> Self {
        ChunkedVec { chunks: Vec::new(), len: 0 }
    }
}

impl<T> ChunkedVec<T> {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn push(&mut self, item: T) {
        match self.chunks.last_mut() {
            Some(last) if last.len() < CHUNK => last.push(item),
            Some(_) => {
                let mut chunk = Vec::with_capacity(CHUNK);
                chunk.push(item);
                self.chunks.push(chunk);
            }
            None => self.chunks.push(vec![item]),
        }
        self.len += 1;
    }

    pub fn get(&self, index: usize) -> Option<&T> {
        self.chunks.get(index / CHUNK)?.get(index % CHUNK)
    }

    pub fn get_mut(&mut self, index: usize) -> Option<&mut T> {
        self.chunks.get_mut(index / CHUNK)?.get_mut(index % CHUNK)
    }

    /// Every item, in order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> {
        self.chunks.iter().flatten()
    }

    pub fn into_vec(self) -> Vec<T> {
        let mut all = Vec::with_capacity(self.len);
        self.chunks.into_iter().for_each(|chunk| all.extend(chunk));
        all
    }
}

impl<T> Index<usize> for ChunkedVec<T> {
    type Output = T;

    fn index(&self, index: usize) -> &T {
        &self.chunks[index / CHUNK][index % CHUNK]
    }
}

impl<T> IndexMut<usize> for ChunkedVec<T> {
    fn index_mut(&mut self, index: usize) -> &mut T {
        &mut self.chunks[index / CHUNK][index % CHUNK]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_keep_their_place_across_chunks() {
        let mut list = ChunkedVec::default();
        assert!(list.len() == 0 && list.get(0).is_none());
        for n in 0..(3 * CHUNK + 5) {
            list.push(n);
        }
        assert_eq!(list.len(), 3 * CHUNK + 5);
        assert_eq!(list.chunks.len(), 4);
        assert_eq!(list[CHUNK], CHUNK);
        assert_eq!(list.get(3 * CHUNK + 4), Some(&(3 * CHUNK + 4)));
        assert_eq!(list.get(3 * CHUNK + 5), None);
        list[7] = 70;
        *list.get_mut(CHUNK + 1).unwrap() = 0;
        assert_eq!(list.iter().next_back(), Some(&(3 * CHUNK + 4)));
        let all = list.clone().into_vec();
        assert_eq!(all.len(), list.len());
        assert_eq!((all[7], all[CHUNK + 1], all[2 * CHUNK]), (70, 0, 2 * CHUNK));
        assert!(list.iter().eq(all.iter()));
    }

    #[test]
    fn a_full_chunk_is_never_moved() {
        let mut list = ChunkedVec::default();
        for n in 0..CHUNK {
            list.push(n);
        }
        let first = &list[0] as *const usize;
        for n in 0..(10 * CHUNK) {
            list.push(n);
        }
        assert_eq!(&list[0] as *const usize, first);
    }

    #[test]
    fn only_the_first_chunk_starts_small() {
        let mut list = ChunkedVec::default();
        list.push(0);
        assert!(list.chunks[0].capacity() < CHUNK);
        for n in 1..=CHUNK {
            list.push(n);
        }
        assert_eq!(list.chunks[1].capacity(), CHUNK);
    }
}
