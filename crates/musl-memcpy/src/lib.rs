//! `memcpy` and `memmove` for the static musl build (the container image's
//! binary).
//!
//! musl copies with `rep movsq`, which costs 20 to 33 ns a call on the
//! machines measured, whatever the size, where glibc's `memcpy` takes 1.5 ns
//! for a few bytes. A request makes about fifteen copies of a few dozen
//! bytes (log fields, headers, JSON), and musl's `memcpy` was 13% of the
//! musl build's CPU under load. This one moves small copies as two
//! overlapping unaligned words and longer ones sixteen bytes at a time.
//!
//! `memmove` comes too: musl's jumps into the middle of its own `memcpy`,
//! which would bring that in beside this one. Overlapping moves, rare, go
//! a word at a time where the ranges are at least a word apart.
//!
//! The crate is `no_builtins` so that the compiler never turns these loops
//! back into calls to `memcpy`. The symbols are exported for musl targets
//! only; being in the binary's objects, they are linked in place of musl's.
//! Elsewhere [`copy`] and [`shift`] are ordinary functions, which the tests
//! exercise.
#![no_std]
#![no_builtins]

use core::ptr::{read_unaligned, write_unaligned};

/// Copies `n` bytes from `src` to `dest`, as C's `memcpy`.
///
/// # Safety
///
/// As for `memcpy`: both ranges valid for `n` bytes and not overlapping.
#[inline]
pub unsafe fn copy(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    // SAFETY (for every block below): each read and write is within the
    // first `n` bytes of `src` and `dest`, which the caller vouches for;
    // unaligned reads and writes need no alignment.
    unsafe {
        if n <= 16 {
            if n >= 8 {
                let head = read_unaligned(src.cast::<u64>());
                let tail = read_unaligned(src.add(n - 8).cast::<u64>());
                write_unaligned(dest.cast::<u64>(), head);
                write_unaligned(dest.add(n - 8).cast::<u64>(), tail);
            } else if n >= 4 {
                let head = read_unaligned(src.cast::<u32>());
                let tail = read_unaligned(src.add(n - 4).cast::<u32>());
                write_unaligned(dest.cast::<u32>(), head);
                write_unaligned(dest.add(n - 4).cast::<u32>(), tail);
            } else if n > 0 {
                // 1 to 3 bytes: first, middle and last cover them all.
                let (first, middle, last) = (*src, *src.add(n / 2), *src.add(n - 1));
                *dest = first;
                *dest.add(n / 2) = middle;
                *dest.add(n - 1) = last;
            }
            return dest;
        }
        // Sixteen bytes at a time, then the last sixteen, which may
        // overlap what was already copied.
        let mut offset = 0;
        while offset + 16 < n {
            let block = read_unaligned(src.add(offset).cast::<u128>());
            write_unaligned(dest.add(offset).cast::<u128>(), block);
            offset += 16;
        }
        let tail = read_unaligned(src.add(n - 16).cast::<u128>());
        write_unaligned(dest.add(n - 16).cast::<u128>(), tail);
        dest
    }
}

/// Copies `n` bytes from `src` to `dest`, which may overlap, as C's
/// `memmove`.
///
/// # Safety
///
/// As for `memmove`: both ranges valid for `n` bytes.
#[inline]
pub unsafe fn shift(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    let (to, from) = (dest as usize, src as usize);
    // SAFETY (for every block below): each read and write is within the
    // first `n` bytes of `src` and `dest`, which the caller vouches for.
    // `copy` reads all of up to 16 bytes before it writes any, so it may
    // overlap; longer copies go in the order that reads every byte before
    // it is overwritten.
    unsafe {
        if n <= 16 || to.abs_diff(from) >= n {
            return copy(dest, src, n);
        }
        let word_apart = to.abs_diff(from) >= 8;
        if to < from {
            let mut offset = 0;
            while word_apart && offset + 8 <= n {
                let word = read_unaligned(src.add(offset).cast::<u64>());
                write_unaligned(dest.add(offset).cast::<u64>(), word);
                offset += 8;
            }
            while offset < n {
                *dest.add(offset) = *src.add(offset);
                offset += 1;
            }
        } else {
            let mut end = n;
            while word_apart && end >= 8 {
                end -= 8;
                let word = read_unaligned(src.add(end).cast::<u64>());
                write_unaligned(dest.add(end).cast::<u64>(), word);
            }
            while end > 0 {
                end -= 1;
                *dest.add(end) = *src.add(end);
            }
        }
        dest
    }
}

/// C's `memcpy`, in place of musl's.
///
/// # Safety
///
/// As for [`copy`].
#[cfg(target_env = "musl")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcpy(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    // SAFETY: the caller's promise is `copy`'s.
    unsafe { copy(dest, src, n) }
}

/// C's `memmove`, in place of musl's.
///
/// # Safety
///
/// As for [`shift`].
#[cfg(target_env = "musl")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memmove(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    // SAFETY: the caller's promise is `shift`'s.
    unsafe { shift(dest, src, n) }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::vec::Vec;

    use super::{copy, shift};

    #[test]
    fn every_length_and_alignment_is_copied_exactly_and_nothing_around_it() {
        let source: Vec<u8> = (0..700u32).map(|i| (i * 7 + 3) as u8).collect();
        for n in 0..=600 {
            for src_offset in 0..17 {
                for dest_offset in 0..17 {
                    let mut dest = std::vec![0xAAu8; 700];
                    // SAFETY: both ranges are inside their vectors, which
                    // are distinct.
                    let returned = unsafe {
                        copy(dest.as_mut_ptr().add(dest_offset), source.as_ptr().add(src_offset), n)
                    };
                    assert_eq!(returned, dest[dest_offset..].as_mut_ptr());
                    assert_eq!(
                        &dest[dest_offset..dest_offset + n],
                        &source[src_offset..src_offset + n],
                        "{n} bytes from +{src_offset} to +{dest_offset}"
                    );
                    assert!(dest[..dest_offset].iter().all(|&b| b == 0xAA));
                    assert!(dest[dest_offset + n..].iter().all(|&b| b == 0xAA));
                }
            }
        }
    }

    #[test]
    fn overlapping_moves_either_way_end_as_if_through_a_copy() {
        let original: Vec<u8> = (0..300u32).map(|i| (i * 13 + 5) as u8).collect();
        for n in 0..=260 {
            for from in [0usize, 1, 7, 20] {
                for to in 0..=40usize {
                    let mut ours = original.clone();
                    let mut expected = original.clone();
                    expected.copy_within(from..from + n, to);
                    // SAFETY: both ranges are inside the vector.
                    unsafe { shift(ours.as_mut_ptr().add(to), ours.as_ptr().add(from), n) };
                    assert_eq!(ours, expected, "{n} bytes from {from} to {to}");
                }
            }
        }
    }
}
