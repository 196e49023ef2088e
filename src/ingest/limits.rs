//! Limits: what one file or one batch may cost to read, checked from the
//! files' structure before any pixel is decoded, so that no file (a
//! decompression bomb, a header that claims a billion pixels, a page tree
//! of a hundred thousand pages) can take a reader's memory or time.
//!
//! The defaults fit the largest page a station makes (A3 at 600 dpi, about
//! 70 megapixels; 210 MB as 8-bit RGB) and the longest batch (2000 pages;
//! a scanner's PDF of that many pages has under 10 000 objects) with room
//! to spare, and nothing much beyond: parsed, 20 000 PDF objects take
//! about 75 MB. Every limit has a flag and an environment variable, shared
//! by `sohoa process`, `sohoa submit`, `sohoa serve` and `sohoa-worker`.

use clap::Args;

/// The limits on reading a batch. See the module documentation.
#[derive(Args, Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Refuse a page of more than this many megapixels.
    #[arg(long, env = "SOHOA_MAX_MEGAPIXELS", default_value_t = DEFAULT.max_megapixels)]
    pub max_megapixels: u64,
    /// Refuse a page whose image, decoded, is over this many MiB (width x
    /// height x samples x bytes per sample, as the file declares them).
    #[arg(long, env = "SOHOA_MAX_PAGE_MIB", default_value_t = DEFAULT.max_page_mib)]
    pub max_page_mib: u64,
    /// Refuse a batch of more pages than this (all its files together).
    #[arg(long, env = "SOHOA_MAX_PAGES", default_value_t = DEFAULT.max_pages)]
    pub max_pages: usize,
    /// Refuse a PDF of more objects than this.
    #[arg(long, env = "SOHOA_MAX_PDF_OBJECTS", default_value_t = DEFAULT.max_pdf_objects)]
    pub max_pdf_objects: usize,
    /// Refuse a PDF whose structure (object or cross-reference streams)
    /// inflates to more than this many MiB per stream.
    #[arg(long, env = "SOHOA_MAX_STREAM_MIB", default_value_t = DEFAULT.max_stream_mib)]
    pub max_stream_mib: u64,
}

/// The defaults, in one place (the flags' defaults come from here).
pub const DEFAULT: Limits = Limits {
    max_megapixels: 80,
    max_page_mib: 256,
    max_pages: 2000,
    max_pdf_objects: 20_000,
    max_stream_mib: 64,
};

impl Default for Limits {
    fn default() -> Self {
        DEFAULT
    }
}

/// One page's image as its file declares it, before decoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Declared {
    pub width: u32,
    pub height: u32,
    /// Samples per pixel (1 gray, 3 RGB, 4 with alpha or CMYK).
    pub samples: u32,
    /// Bits per sample (1, 8, 16...).
    pub bits: u32,
}

impl Declared {
    /// The decoded image's size in bytes: rows of whole bytes.
    pub fn decoded_bytes(&self) -> u64 {
        let row_bits = self.width as u64 * self.samples.max(1) as u64 * self.bits.max(1) as u64;
        row_bits.div_ceil(8) * self.height as u64
    }
}

/// Which limit a page or a file is over, with the measure that is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Over {
    Megapixels { width: u32, height: u32, limit: u64 },
    PageBytes { bytes: u64, limit_mib: u64 },
    Pages { pages: usize, limit: usize },
    PdfObjects { objects: usize, limit: usize },
}

impl std::fmt::Display for Over {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Over::Megapixels {
                width,
                height,
                limit,
            } => write!(
                f,
                "the image is {width}x{height} pixels, over the limit of {limit} megapixels (--max-megapixels, SOHOA_MAX_MEGAPIXELS)"
            ),
            Over::PageBytes { bytes, limit_mib } => write!(
                f,
                "the image decodes to {} MiB, over the limit of {limit_mib} MiB per page (--max-page-mib, SOHOA_MAX_PAGE_MIB)",
                bytes.div_ceil(1 << 20)
            ),
            Over::Pages { pages, limit } => write!(
                f,
                "{pages} pages or more, over the limit of {limit} pages per batch (--max-pages, SOHOA_MAX_PAGES)"
            ),
            Over::PdfObjects { objects, limit } => write!(
                f,
                "the PDF has {objects} objects, over the limit of {limit} (--max-pdf-objects, SOHOA_MAX_PDF_OBJECTS)"
            ),
        }
    }
}

impl Limits {
    /// Check a page's declared image against the pixel and byte limits.
    pub fn check_page(&self, d: &Declared) -> Result<(), Over> {
        if d.width as u64 * d.height as u64 > self.max_megapixels.saturating_mul(1_000_000) {
            return Err(Over::Megapixels {
                width: d.width,
                height: d.height,
                limit: self.max_megapixels,
            });
        }
        let bytes = d.decoded_bytes();
        if bytes > self.max_page_bytes() {
            return Err(Over::PageBytes {
                bytes,
                limit_mib: self.max_page_mib,
            });
        }
        Ok(())
    }

    pub fn max_page_bytes(&self) -> u64 {
        self.max_page_mib.saturating_mul(1 << 20)
    }

    pub fn max_stream_bytes(&self) -> usize {
        usize::try_from(self.max_stream_mib.saturating_mul(1 << 20)).unwrap_or(usize::MAX)
    }

    /// Check a count of pages against the per-batch limit.
    pub fn check_pages(&self, pages: usize) -> Result<(), Over> {
        if pages > self.max_pages {
            return Err(Over::Pages {
                pages,
                limit: self.max_pages,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(width: u32, height: u32, samples: u32, bits: u32) -> Declared {
        Declared {
            width,
            height,
            samples,
            bits,
        }
    }

    #[test]
    fn an_a3_page_at_600_dpi_passes_and_a_16_bit_rgb_page_at_the_pixel_cap_does_not() {
        let limits = Limits::default();
        // A3 at 600 dpi: 7016 x 9921, 8-bit RGB.
        assert_eq!(limits.check_page(&page(7016, 9921, 3, 8)), Ok(()));
        // The same page as 1-bit and gray.
        assert_eq!(limits.check_page(&page(7016, 9921, 1, 1)), Ok(()));
        // 80 megapixels of 16-bit RGB decode to 480 MB.
        let err = limits.check_page(&page(8000, 10000, 3, 16)).unwrap_err();
        assert!(matches!(err, Over::PageBytes { .. }), "{err}");
        assert!(err.to_string().contains("--max-page-mib"), "{err}");
        // A header claiming 100 000 x 100 000 pixels.
        let err = limits
            .check_page(&page(100_000, 100_000, 1, 8))
            .unwrap_err();
        assert!(matches!(err, Over::Megapixels { .. }), "{err}");
        assert!(err.to_string().contains("SOHOA_MAX_MEGAPIXELS"), "{err}");
    }

    #[test]
    fn decoded_rows_are_whole_bytes() {
        assert_eq!(page(9, 2, 1, 1).decoded_bytes(), 4);
        assert_eq!(page(3, 1, 3, 16).decoded_bytes(), 18);
        assert_eq!(limits_with_pages(2).check_pages(2), Ok(()));
        assert!(limits_with_pages(2).check_pages(3).is_err());
    }

    fn limits_with_pages(max_pages: usize) -> Limits {
        Limits {
            max_pages,
            ..Limits::default()
        }
    }
}
