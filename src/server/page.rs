//! `GET /` and `POST /`: the verification page — a form (paste a QR string or upload a
//! photo), the verdict, the certificate face, and the reason in plain words when it is not
//! valid. Chinese by default, English with `lang=en`. Plain HTML and a little inline CSS: no
//! script at all, nothing fetched from outside the server (the face is an inline SVG data
//! URI). This file owns the wording and the markup; verification is the library's.

use axum::extract::{Multipart, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde::Deserialize;

use crate::qr::face::face_svg;
use crate::qr::face::FaceData;
use crate::qr::verified::{scan_and_verify, CodeVerdict};
use crate::verify::Verdict;

use super::problem::Problem;
use super::shared::Shared;

/// Longest QR string the page accepts, in bytes.
const MAX_QR_FIELD: usize = 16 * 1024;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Lang {
    Zh,
    En,
}

impl Lang {
    fn of(s: Option<&str>) -> Lang {
        if s == Some("en") {
            Lang::En
        } else {
            Lang::Zh
        }
    }
    fn t(self, zh: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

/// `?lang=en`
#[derive(Deserialize, Default)]
pub(crate) struct LangQuery {
    lang: Option<String>,
}

/// HTML-escapes `s`.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A reason code in plain words.
fn plain(code: &str, lang: Lang) -> &'static str {
    match code {
        "too_long" => lang.t("内容过长，不是电子证书二维码。", "The text is too long to be a certificate code."),
        "bad_prefix" | "base45" | "decompress" | "cbor" | "cose_structure" | "claims_malformed" => lang.t(
            "内容无法识别：可能不是电子证书二维码，或复制时不完整。",
            "The text could not be read: it may not be a certificate code, or it was copied incompletely.",
        ),
        "signature" => lang.t(
            "签名不符：内容被改动过，证书不可信。",
            "The signature does not match: the content was altered and the certificate cannot be trusted.",
        ),
        "unknown_kid" | "kid_mismatch" | "key_mismatch" | "unsupported_algorithm" => lang.t(
            "签发机构的密钥不在信任列表中。",
            "The issuing key is not in the trust list.",
        ),
        "signer_not_valid_at_issuance" | "outside_certificate_validity" => lang.t(
            "签发时签名证书不在有效期内。",
            "The signing certificate was not valid when this was issued.",
        ),
        "not_yet_valid" => lang.t("证书尚未生效。", "The certificate is not valid yet."),
        "expired" => lang.t("证书已过期。", "The certificate has expired."),
        "not_certseal" => lang.t("二维码不是电子职业资格证书。", "The code is not an electronic qualification certificate."),
        "no_code" => lang.t("照片中未找到二维码。", "No QR code was found in the photo."),
        _ => lang.t("证书无效。", "The certificate is not valid."),
    }
}

fn head(lang: Lang) -> String {
    let (other, other_label) = match lang {
        Lang::Zh => ("en", "English"),
        Lang::En => ("zh", "中文"),
    };
    format!(
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>{}</title><style>body{{font-family:sans-serif;max-width:46rem;margin:1rem auto;padding:0 1rem}}textarea{{width:100%}}.valid{{color:#064;border:2px solid #064;padding:.5rem}}.invalid{{color:#a00;border:2px solid #a00;padding:.5rem}}td{{padding:.2rem .6rem}}img{{max-width:100%}}</style></head><body><p><a id=\"lang\" href=\"/?lang={other}\">{other_label}</a></p><h1>{}</h1>",
        lang.t("zh-CN", "en"),
        lang.t("电子职业资格证书核验", "Verify an electronic qualification certificate"),
        lang.t("电子职业资格证书核验", "Verify an electronic qualification certificate"),
    )
}

fn form(lang: Lang) -> String {
    format!(
        "<form method=\"post\" action=\"/\" enctype=\"multipart/form-data\"><input type=\"hidden\" name=\"lang\" value=\"{}\"><p><label for=\"qr\">{}</label><br><textarea id=\"qr\" name=\"qr\" rows=\"5\"></textarea></p><p><label for=\"photo\">{}</label> <input id=\"photo\" type=\"file\" name=\"photo\" accept=\"image/png,image/jpeg\"></p><p><button id=\"submit\" type=\"submit\">{}</button></p></form>",
        lang.t("zh", "en"),
        lang.t("粘贴二维码内容（CS1: 开头）", "Paste the QR text (starting with CS1:)"),
        lang.t("或上传证书照片（PNG、JPEG）", "or upload a photo of the certificate (PNG, JPEG)"),
        lang.t("核验", "Verify"),
    )
}

fn page(lang: Lang, body: &str) -> Response {
    let html = format!("{}{body}{}</body></html>", head(lang), form(lang));
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
}

/// `GET /`
pub(crate) async fn index(
    q: Result<Query<LangQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let lang = Lang::of(q.as_ref().ok().and_then(|q| q.lang.as_deref()));
    page(lang, "")
}

fn verdict_html(lang: Lang, v: &Verdict, qr: &str, out: &mut String) {
    match (&v.result, &v.certificate) {
        (Ok(()), Some(view)) => {
            let face = FaceData::from_view(view, qr);
            out.push_str(&format!(
                "<div class=\"valid\" id=\"verdict\" data-status=\"valid\"><strong>{}</strong><table>",
                lang.t("有效：证书真实，签名核验通过。", "Valid: the certificate is genuine and its signature verifies.")
            ));
            for (label, value) in face.rows() {
                out.push_str(&format!(
                    "<tr><td>{}</td><td>{}</td></tr>",
                    esc(label),
                    esc(value)
                ));
            }
            out.push_str("</table>");
            if let Ok(svg) = face_svg(&face) {
                let b64 = base64::engine::general_purpose::STANDARD.encode(svg.as_bytes());
                out.push_str(&format!(
                    "<p><img alt=\"{}\" src=\"data:image/svg+xml;base64,{b64}\"></p>",
                    lang.t("证书版面", "Certificate face")
                ));
            }
            out.push_str("</div>");
        }
        (result, _) => {
            let code = result.as_ref().err().map_or("invalid", |r| r.code());
            out.push_str(&format!(
                "<div class=\"invalid\" id=\"verdict\" data-status=\"invalid\" data-reason=\"{}\"><strong>{}</strong><p>{}</p></div>",
                esc(code),
                lang.t("无效", "Not valid"),
                plain(code, lang),
            ));
        }
    }
}

fn invalid_html(lang: Lang, code: &str) -> String {
    format!(
        "<div class=\"invalid\" id=\"verdict\" data-status=\"invalid\" data-reason=\"{code}\"><strong>{}</strong><p>{}</p></div>",
        lang.t("无效", "Not valid"),
        plain(code, lang)
    )
}

/// `POST /` (multipart: `lang`, `qr`, `photo`).
pub(crate) async fn submit(
    State(svc): State<Shared>,
    mut mp: Multipart,
) -> Result<Response, Problem> {
    let mut lang = Lang::Zh;
    let mut qr = String::new();
    let mut photo: Vec<u8> = Vec::new();
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(Problem::field("form", e.body_text())),
        };
        let name = field.name().unwrap_or("").to_owned();
        let bytes = field
            .bytes()
            .await
            .map_err(|e| Problem::field(name.clone(), e.body_text()))?;
        match name.as_str() {
            "lang" => lang = Lang::of(std::str::from_utf8(&bytes).ok()),
            "qr" => {
                if bytes.len() > MAX_QR_FIELD {
                    return Err(Problem::field(
                        "qr",
                        format!("got {} bytes, expected at most {MAX_QR_FIELD}", bytes.len()),
                    ));
                }
                qr = String::from_utf8_lossy(&bytes).trim().to_owned();
            }
            "photo" => photo = bytes.to_vec(),
            _ => {}
        }
    }
    let mut out = String::new();
    if !qr.is_empty() {
        let v = svc.verifier.verify(&qr);
        svc.metrics
            .verdict(v.result.as_ref().err().map(|r| r.code()));
        verdict_html(lang, &v, &qr, &mut out);
    } else if !photo.is_empty() {
        let svc2 = svc.clone();
        let record = tokio::task::spawn_blocking(move || {
            scan_and_verify(&photo, &svc2.scan_limits, &svc2.verifier)
        })
        .await
        .map_err(|e| Problem::new(super::ProblemReason::Internal, e.to_string()))?;
        if record.codes.is_empty() {
            out.push_str(&invalid_html(lang, "no_code"));
        }
        for c in &record.codes {
            match &c.verdict {
                CodeVerdict::Checked(v) => {
                    svc.metrics
                        .verdict(v.result.as_ref().err().map(|r| r.code()));
                    verdict_html(lang, v, &c.text, &mut out);
                }
                _ => out.push_str(&invalid_html(lang, "not_certseal")),
            }
        }
    } else {
        out.push_str(&format!(
            "<p id=\"verdict\" data-status=\"empty\">{}</p>",
            lang.t(
                "请粘贴二维码内容或上传照片。",
                "Paste a QR text or upload a photo."
            )
        ));
    }
    Ok(page(lang, &out))
}
