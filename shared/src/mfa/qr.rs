//! The QR code of an `otpauth://` URI, as the SVG a page shows for an
//! authenticator app to scan: the qrcode crate's encoder and renderer.

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

use crate::error::Error;

/// Quiet-zone modules around the code, which scanners need: the
/// standard's four.
const QUIET_ZONE: bool = true;
/// The smallest side of the image, in pixels: large enough for a phone's
/// camera at arm's length.
const MIN_SIDE_PX: u32 = 200;

/// The QR code of `uri` as a standalone SVG document, black on white at
/// error-correction level M (a little of it may be smudged or covered).
///
/// # Errors
///
/// [`Error::Internal`] for data too long for any QR code (about 2 KB at
/// level M): no URI of ours is.
pub fn qr_svg(uri: &str) -> Result<String, Error> {
    let code = QrCode::with_error_correction_level(uri.as_bytes(), EcLevel::M)
        .map_err(|error| Error::Internal(format!("QR code of the otpauth URI: {error}")))?;
    Ok(code
        .render::<svg::Color<'_>>()
        .quiet_zone(QUIET_ZONE)
        .min_dimensions(MIN_SIDE_PX, MIN_SIDE_PX)
        .build())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_svg_of_the_uris_code() {
        let uri = "otpauth://totp/Sessionless:ada%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Sessionless";
        let svg = qr_svg(uri).unwrap();
        assert!(svg.starts_with("<?xml"), "{svg}");
        assert!(svg.contains("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.ends_with("\"/></svg>"));
        // As many modules a side as the encoder chose, plus the quiet
        // zone, each the same whole number of pixels.
        let modules = QrCode::with_error_correction_level(uri, EcLevel::M)
            .unwrap()
            .width() as u32
            + 8;
        let side = MIN_SIDE_PX.div_ceil(modules) * modules;
        assert!(
            svg.contains(&format!("width=\"{side}\" height=\"{side}\"")),
            "{svg}"
        );
        // Other data, another code.
        assert_ne!(qr_svg(&uri.replace("GEZ", "MFR")).unwrap(), svg);
    }

    #[test]
    fn data_too_long_for_a_qr_code_is_an_error() {
        assert!(matches!(
            qr_svg(&"x".repeat(4_000)),
            Err(Error::Internal(_))
        ));
    }
}
