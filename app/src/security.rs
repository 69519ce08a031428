//! The Content-Security-Policy every response carries: scripts only from this origin or
//! inline with this response's nonce, wasm compiled from our own files, nothing framed.
//! Text from users and email is never markup (tachys escapes it); this is the second wall.

/// The policy for a response; `nonce` allows the inline scripts the server rendered into
/// this page (Leptos's hydration bootstrap and resource data). Without one, no inline
/// script runs at all.
pub fn content_security_policy(nonce: Option<&str>) -> String {
    let scripts = match nonce {
        // A nonce is URL-safe base64 (Leptos's `Nonce::new`); anything else is dropped
        // rather than written into the header.
        Some(nonce)
            if !nonce.is_empty()
                && nonce
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
        {
            format!("script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'")
        }
        _ => "script-src 'self' 'wasm-unsafe-eval'".to_string(),
    };
    format!(
        "default-src 'self'; {scripts}; style-src 'self'; img-src 'self' data: https:; font-src 'self'; \
         connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// Puts the policy with this page's nonce on the response being rendered.
pub fn set_page_policy() {
    let nonce = leptos::nonce::use_nonce();
    if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        if let Ok(value) = http::HeaderValue::from_str(&content_security_policy(nonce.as_deref())) {
            response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_allows_only_our_scripts_and_no_framing() {
        let policy = content_security_policy(Some("abc-_9"));
        assert!(policy.contains("script-src 'self' 'nonce-abc-_9' 'wasm-unsafe-eval'"));
        assert!(policy.contains("frame-ancestors 'none'"));
        assert!(policy.contains("object-src 'none'"));
        assert!(!policy.contains("unsafe-inline"));
    }

    #[test]
    fn a_nonce_that_could_break_the_header_is_left_out() {
        let policy = content_security_policy(Some("x'; script-src *"));
        assert!(!policy.contains("nonce"));
        assert!(!policy.contains('*'));
    }
}
