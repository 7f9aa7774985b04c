//! `GET /openapi.json`: the OpenAPI 3 document of every endpoint, generated at compile time
//! from the handlers' `#[utoipa::path]` annotations and the schema types below.
//!
//! The dialects read their bodies field by field (to answer bad input in each provider's own
//! shape), so the request schemas here document the fields they read.

#![allow(dead_code)] // the schema types exist for the document only

use axum::Json;
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

/// Nomado `POST /2fa/create`.
#[derive(Serialize, ToSchema)]
pub struct NomadoCreate {
    /// E.164 mobile number, with or without `+`.
    to: String,
    /// Must contain `{{CODE}}`. Default `{{CODE}}`.
    template: Option<String>,
    /// `ALPHA`, `NUMERIC` or `ALPHANUMERIC` (default).
    #[serde(rename = "type")]
    kind: Option<String>,
    /// 1 to 20, default 4.
    length: Option<u32>,
    /// Seconds, default 7200.
    expiry: Option<u64>,
}

/// Nomado `POST /2fa/verify`.
#[derive(Serialize, ToSchema)]
pub struct NomadoVerify {
    number: String,
    /// The code received by SMS.
    token: String,
}

/// Nomado answers `{code, message, ...}`.
#[derive(Serialize, ToSchema)]
pub struct NomadoAnswer {
    code: u16,
    message: String,
    data: Option<serde_json::Value>,
    verify: Option<bool>,
}

/// MonSMSPro `POST /v1/auth/otp/get`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MonSmsProGet {
    /// The account's key: MonSMSPro carries it in the body, not in a header.
    api_key: String,
    /// With country code, `+` optional.
    phone_number: String,
    /// 4 to 10, default 4.
    length: Option<u32>,
    /// `NUMERIC` (default), `ALPHABET`, `ALPHA_NUMERIC`.
    mode: Option<String>,
    /// Recorded only: a SIM always sends from its own number.
    sender_id: Option<String>,
    app_name: Option<String>,
}

/// MonSMSPro `POST /v1/auth/otp/verify`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MonSmsProVerify {
    /// The account's key: MonSMSPro carries it in the body, not in a header.
    api_key: String,
    phone_number: String,
    token: String,
    otp: String,
}

/// MonSMSPro's envelope on every answer (HTTP 200 even for errors).
#[derive(Serialize, ToSchema)]
pub struct MonSmsProEnvelope {
    success: bool,
    data: Option<serde_json::Value>,
    /// kebab-case error: `wrong-otp`, `otp-expired`, `too-many-attempts`, `unknown-token`, ...
    error: Option<String>,
}

/// Octopush `POST /v1/public/service/otp/generate` (read leniently).
#[derive(Serialize, ToSchema)]
pub struct OctopushGenerate {
    phone_number: String,
    /// `{code}` and `{hh:mm:ss}` placeholders; empty: the code alone.
    text: Option<String>,
    /// `sms`/`text_sms` or `voice_sms`.
    channel: Option<String>,
    sender: Option<String>,
    /// 3 to 32, default 6.
    code_length: Option<u32>,
    allow_digits: Option<bool>,
    allow_upper_case: Option<bool>,
    allow_lower_case: Option<bool>,
    allow_special_chars: Option<bool>,
    remove_confusing_characters: Option<bool>,
    /// Seconds, default 600.
    validity_period: Option<u64>,
    /// Default 3.
    max_wrong_attempts: Option<u32>,
    recipient_ip: Option<String>,
    voice_language: Option<String>,
    voice_gender: Option<String>,
}

/// Octopush `PUT /v1/public/service/otp/validate`.
#[derive(Serialize, ToSchema)]
pub struct OctopushValidate {
    code: String,
    otp_request_token: Option<String>,
    phone_number: Option<String>,
    recipient_ip: Option<String>,
}

/// Octopush answers `{code, message, ...}`.
#[derive(Serialize, ToSchema)]
pub struct OctopushAnswer {
    code: u16,
    message: String,
    ticket_number: Option<String>,
    otp_request_token: Option<String>,
    remaining_number_of_attempts: Option<u32>,
}

/// The gateway's own `POST /v1/messages`.
#[derive(Serialize, ToSchema)]
pub struct MessageCreate {
    to: String,
    text: String,
    sensitive: Option<bool>,
    /// `otp` or `normal`.
    priority: Option<String>,
    ttl_seconds: Option<u64>,
}

/// The credentials the endpoints take, as security schemes (each operation names the ones it
/// accepts): `basic` (Nomado, the gateway's own endpoints), `api-login` with `api-key`
/// (Octopush, and the gateway's own endpoints as the other choice). MonSMSPro carries its
/// `apiKey` in the JSON body: see its request schemas.
struct SecuritySchemes;

impl utoipa::Modify for SecuritySchemes {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme,
        };
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "basic",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Basic)
                    .description(Some("`Authorization: Basic base64(login:key)`"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "api-login",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "api-login",
                "The account's login; goes with `api-key`.",
            ))),
        );
        components.add_security_scheme(
            "api-key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "api-key",
                "The account's key; goes with `api-login`.",
            ))),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    modifiers(&SecuritySchemes),
    info(
        title = "otpgate",
        description = "On-premises SMS OTP gateway: the Nomado, MonSMSPro and Octopush OTP APIs, and the gateway's own."
    ),
    paths(
        super::nomado::create,
        super::nomado::verify,
        super::monsmspro::get,
        super::monsmspro::verify,
        super::octopush::generate,
        super::octopush::validate,
        super::messages::create,
        super::messages::get,
        super::healthz,
        super::readyz,
        super::modems,
        super::inbox,
        openapi,
    ),
    components(schemas(
        NomadoCreate,
        NomadoVerify,
        NomadoAnswer,
        MonSmsProGet,
        MonSmsProVerify,
        MonSmsProEnvelope,
        OctopushGenerate,
        OctopushValidate,
        OctopushAnswer,
        MessageCreate,
    ))
)]
pub struct ApiDoc;

/// The OpenAPI document.
#[utoipa::path(get, path = "/openapi.json", operation_id = "openapi", responses((status = 200, description = "OpenAPI 3 document")))]
pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
