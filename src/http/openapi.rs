//! `GET /openapi.json`: the OpenAPI 3 document of every endpoint, generated at compile time
//! from the handlers' `#[utoipa::path]` annotations and the schema types below.
//!
//! The dialects read their bodies field by field (to answer bad input in each provider's own
//! shape), so the request schemas here document the fields they read.

#![allow(dead_code)] // the schema types exist for the document only

use axum::Json;
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

/// Nomado `type`; read case-insensitively.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum NomadoType {
    Alpha,
    Numeric,
    Alphanumeric,
}

/// Nomado `POST /2fa/create`.
#[derive(Serialize, ToSchema)]
pub struct NomadoCreate {
    /// E.164 mobile number, with or without `+`.
    to: String,
    /// Must contain `{{CODE}}` (HTTP 400 otherwise), at most 1224 characters once each
    /// `{{CODE}}` holds a code of 20. None or blank: the code alone.
    #[schema(default = "{{CODE}}")]
    template: Option<String>,
    #[serde(rename = "type")]
    #[schema(inline, default = "ALPHANUMERIC")]
    kind: Option<NomadoType>,
    /// Characters of the code.
    #[schema(minimum = 1, maximum = 20, default = 4)]
    length: Option<u32>,
    /// Seconds the code stays valid (at most 30 days).
    #[schema(minimum = 1, maximum = 2592000, default = 7200)]
    expiry: Option<u64>,
}

/// Nomado `POST /2fa/verify`.
#[derive(Serialize, ToSchema)]
pub struct NomadoVerify {
    /// The number the code was sent to, with or without `+`.
    number: String,
    /// The code received by SMS.
    token: String,
}

/// Nomado answers `{code, message, ...}`: `code` is the HTTP status. Create's success has
/// `data` (the code in `data.token`, the text in `data.text`); verify's answers have `verify`.
#[derive(Serialize, ToSchema)]
pub struct NomadoAnswer {
    code: u16,
    message: String,
    data: Option<serde_json::Value>,
    verify: Option<bool>,
}

/// MonSMSPro `mode`; `ALPHA` and `ALPHANUMERIC` are read too, any case.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MonSmsProMode {
    Numeric,
    Alphabet,
    AlphaNumeric,
}

/// MonSMSPro `POST /v1/auth/otp/get`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MonSmsProGet {
    /// The account's key: MonSMSPro carries it in the body, not in a header.
    api_key: String,
    /// With country code, `+` optional.
    phone_number: String,
    /// Characters of the code.
    #[schema(minimum = 4, maximum = 10, default = 4)]
    length: Option<u32>,
    #[schema(inline, default = "NUMERIC")]
    mode: Option<MonSmsProMode>,
    /// Recorded only: a SIM always sends from its own number.
    sender_id: Option<String>,
    /// Named in the SMS text.
    app_name: Option<String>,
}

/// MonSMSPro `POST /v1/auth/otp/verify`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MonSmsProVerify {
    /// The account's key: MonSMSPro carries it in the body, not in a header.
    api_key: String,
    /// The number of the OTP, with or without `+`.
    phone_number: String,
    /// `data.token` of the `get` answer (24 lowercase hex characters).
    token: String,
    /// The code received by SMS.
    otp: String,
}

/// MonSMSPro's envelope on every answer (HTTP 200 even for errors); all three fields are
/// always present.
#[derive(Serialize, ToSchema)]
pub struct MonSmsProEnvelope {
    success: bool,
    /// `{token, status, phoneNumber}` on success, else null.
    #[schema(required = true)]
    data: Option<serde_json::Value>,
    /// Null on success, else kebab-case: `wrong-otp`, `otp-expired`, `too-many-attempts`,
    /// `unknown-token`, `invalid-api-key`, `method-not-allowed`, ... (see the README).
    #[schema(required = true)]
    error: Option<String>,
}

/// Octopush `channel`; `voice` is read as `voice_sms`, anything else as `sms`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OctopushChannel {
    Sms,
    TextSms,
    VoiceSms,
}

/// Octopush `voice_language`: the provider's 13 values (the voice module's list); read
/// leniently (any case, `_` for `-`, `fr`, `es-419`).
#[derive(Serialize)]
pub struct VoiceLanguage;

impl utoipa::PartialSchema for VoiceLanguage {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use crate::voice::Language;
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::Type::String)
            .enum_values(Some(Language::ALL.map(Language::tag)))
            .into()
    }
}

impl ToSchema for VoiceLanguage {}

/// Octopush `voice_gender`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum VoiceGender {
    Male,
    Female,
}

/// Octopush `POST /v1/public/service/otp/generate`. Read leniently, as the provider: values
/// are cast, out-of-range numbers brought into range, unknown values fall back to the default.
#[derive(Serialize, ToSchema)]
pub struct OctopushGenerate {
    /// With country code, `+` optional.
    phone_number: String,
    /// `{code}` and `{hh:mm:ss}` (the expiry) placeholders; none: the code is appended; empty:
    /// the code alone. At most 1224 characters once rendered: a longer text is accepted and
    /// cut, the code kept whole (see the README) — so no maxLength on the template itself.
    text: Option<String>,
    #[schema(inline, default = "sms")]
    channel: Option<OctopushChannel>,
    /// 3 to 11 of a-zA-Z0-9 (other characters are stripped); recorded only: a SIM always sends
    /// from its own number.
    sender: Option<String>,
    /// Characters of the code.
    #[schema(minimum = 3, maximum = 32, default = 6)]
    code_length: Option<u32>,
    /// None of the four set: digits.
    #[schema(default = false)]
    allow_digits: Option<bool>,
    #[schema(default = false)]
    allow_upper_case: Option<bool>,
    #[schema(default = false)]
    allow_lower_case: Option<bool>,
    /// `! # $ % & ? @`.
    #[schema(default = false)]
    allow_special_chars: Option<bool>,
    /// Drops `0 O o 1 l I i`.
    #[schema(default = false)]
    remove_confusing_characters: Option<bool>,
    /// Seconds the code stays valid.
    #[schema(minimum = 3, maximum = 10000000, default = 600)]
    validity_period: Option<u64>,
    #[schema(minimum = 1, maximum = 1000, default = 3)]
    max_wrong_attempts: Option<u32>,
    /// When given, validation must give the same.
    recipient_ip: Option<String>,
    /// For `voice_sms`.
    #[schema(inline, default = "en-US")]
    voice_language: Option<VoiceLanguage>,
    /// For `voice_sms`.
    #[schema(inline, default = "female")]
    voice_gender: Option<VoiceGender>,
}

/// Octopush `PUT /v1/public/service/otp/validate`: `code`, and `otp_request_token` or
/// `phone_number` (the number alone checks the last code sent there).
#[derive(Serialize, ToSchema)]
pub struct OctopushValidate {
    code: String,
    otp_request_token: Option<String>,
    phone_number: Option<String>,
    /// Must match the one given at generation, if any.
    recipient_ip: Option<String>,
}

/// Octopush answers `{code, message, ...}`: 0 on success, else the error code.
#[derive(Serialize, ToSchema)]
pub struct OctopushAnswer {
    code: u16,
    message: String,
    ticket_number: Option<String>,
    otp_request_token: Option<String>,
    remaining_number_of_attempts: Option<u32>,
}

/// `priority` of `POST /v1/messages`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum MessagePriority {
    Otp,
    Normal,
}

/// The gateway's own `POST /v1/messages`.
#[derive(Serialize, ToSchema)]
pub struct MessageCreate {
    /// E.164 with or without `+`, or national digits.
    to: String,
    #[schema(min_length = 1, max_length = 1530)]
    text: String,
    /// The text holds a secret: its body is dropped once the message ends.
    #[schema(default = false)]
    sensitive: Option<bool>,
    #[schema(inline, default = "normal")]
    priority: Option<MessagePriority>,
    /// Not sent after this many seconds.
    ttl_seconds: Option<u64>,
}

/// The gateway's own error: `{"error": {"code", "message"}}`.
#[derive(Serialize, ToSchema)]
pub struct GatewayError {
    error: GatewayErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct GatewayErrorDetail {
    /// kebab-case: `invalid-request`, `unauthorized`, `not-found`, `method-not-allowed`,
    /// `body-too-large`, `internal-error`.
    code: String,
    message: String,
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
        super::metrics,
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
        GatewayError,
        GatewayErrorDetail,
    ))
)]
pub struct ApiDoc;

/// The OpenAPI document.
#[utoipa::path(get, path = "/openapi.json", operation_id = "openapi", responses((status = 200, description = "OpenAPI 3 document")))]
pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
