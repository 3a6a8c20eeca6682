//! SOAP on `POST /soap`, with HTTP Basic: `SendSms` and
//! `GetDeliveryStatus`, chosen by the `SOAPAction` header or the body's
//! operation element; the WSDL at `GET /soap?wsdl`.
//!
//! Requests are matched by local element names in any namespace prefix.
//! `SendSms` takes `sender`, `encoding` (gsm/utf8), `time_to_send` and
//! repeated `message` elements (`id`, `msisdn`, `text`), runs the same
//! checks as `/json/send`, and answers one `messageStatus` per message
//! (`id`, `status`, `bsmsId`, `price`, `parts`). `GetDeliveryStatus` takes
//! `messageIds` with repeated `id` and/or `bsmsId` and answers
//! `messageDeliveryStatuses`, whose `status` is the submission vocabulary
//! the SOAP page documents (`ok` for a message that was accepted).
//! Errors are SOAP Faults whose `faultcode` is the numeric error code,
//! sent with HTTP 500 as SOAP 1.1 requires.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{Extensions, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use quick_xml::Reader;
use quick_xml::escape::escape;
use quick_xml::events::Event;
use serde_json::Value;

use super::delivery::{Key, records};
use super::error::ViaError;
use super::send::{RecipientInput, SendInput, coding_of, execute};
use crate::engine::submit::Mode;
use crate::http::{Credentials, SurfaceError, credentials};
use crate::openapi::VIAMOBILE_TAG;
use crate::state::AppState;
use crate::store::ViamobileAccount;
use crate::telemetry::note_account;

const NAMESPACE: &str = "http://bsms.viamobile.sk/";
const TEXT_XML: HeaderValue = HeaderValue::from_static("text/xml; charset=utf-8");

/// An XML element reduced to what matching needs: local name, text,
/// children.
#[derive(Debug, Default)]
struct Element {
    name: String,
    text: String,
    children: Vec<Element>,
}

impl Element {
    fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.children.iter().filter(move |c| c.name == name)
    }

    fn text_of(&self, name: &str) -> Option<String> {
        self.child(name).map(|c| c.text.trim().to_owned()).filter(|t| !t.is_empty())
    }

    /// The first element, at any depth, with one of these names.
    fn find(&self, names: &[&str]) -> Option<&Element> {
        if names.contains(&self.name.as_str()) {
            return Some(self);
        }
        self.children.iter().find_map(|c| c.find(names))
    }
}

fn parse(xml: &[u8]) -> Option<Element> {
    let mut reader = Reader::from_reader(xml);
    let mut stack = vec![Element::default()];
    let mut buffer = Vec::new();
    loop {
        match reader.read_event_into(&mut buffer).ok()? {
            Event::Start(start) => {
                let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
                stack.push(Element { name, ..Element::default() });
            }
            Event::Empty(empty) => {
                let name = String::from_utf8_lossy(empty.local_name().as_ref()).into_owned();
                stack.last_mut()?.children.push(Element { name, ..Element::default() });
            }
            Event::Text(text) => stack.last_mut()?.text.push_str(&text.unescape().ok()?),
            Event::CData(data) => stack.last_mut()?.text.push_str(&String::from_utf8_lossy(&data)),
            Event::End(_) => {
                let done = stack.pop()?;
                stack.last_mut()?.children.push(done);
            }
            Event::Eof => break,
            _ => {}
        }
        buffer.clear();
    }
    (stack.len() == 1).then(|| stack.pop()).flatten()
}

fn envelope(body: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<SOAP-ENV:Envelope xmlns:SOAP-ENV=\"http://schemas.xmlsoap.org/soap/envelope/\" xmlns:ns1=\"{NAMESPACE}\"><SOAP-ENV:Body>{body}</SOAP-ENV:Body></SOAP-ENV:Envelope>\n"
    )
}

fn xml(status: StatusCode, body: String) -> Response {
    (status, [(CONTENT_TYPE, TEXT_XML)], body).into_response()
}

/// A SOAP Fault: a Viamobile error as SOAP carries it, with the numeric
/// code as `faultcode`. SOAP 1.1 sends every fault with HTTP 500, and SOAP
/// toolkits (.NET, Java, PHP's `SoapClient`) read the fault body only from
/// a 500, so the JSON error's own status is not used. Only a status a fault
/// rule asks for is kept.
#[derive(Debug)]
pub struct SoapFault {
    status: StatusCode,
    error: ViaError,
}

impl From<ViaError> for SoapFault {
    fn from(error: ViaError) -> SoapFault {
        SoapFault { status: StatusCode::INTERNAL_SERVER_ERROR, error }
    }
}

impl IntoResponse for SoapFault {
    fn into_response(self) -> Response {
        let body = format!(
            "<SOAP-ENV:Fault><faultcode>{}</faultcode><faultstring>{}</faultstring></SOAP-ENV:Fault>",
            self.error.code,
            escape(self.error.description)
        );
        xml(self.status, envelope(&body))
    }
}

/// The answers of any request under `/soap`, as faults: an unknown path, a
/// wrong method and a body too large are faults with 500 like the rest.
impl SurfaceError for SoapFault {
    fn not_found(path: &str) -> SoapFault {
        ViaError::not_found(path).into()
    }

    fn method_not_allowed(method: &Method, path: &str) -> SoapFault {
        ViaError::method_not_allowed(method, path).into()
    }

    fn payload_too_large() -> SoapFault {
        ViaError::payload_too_large().into()
    }

    /// A status a fault rule asks for is sent as asked.
    fn with_status(status: StatusCode) -> SoapFault {
        SoapFault { status, error: ViaError::with_status(status) }
    }

    const RESPONSE_NAME: &'static str = "SoapFault";
    const DESCRIPTION: &'static str = "A SOAP Fault";
    /// Each SOAP operation lists its faults itself: XML has no JSON schema.
    const COMMON_STATUSES: &'static [&'static str] = &[];

    fn schema_name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("SoapFault")
    }
}

fn fault(error: ViaError) -> Response {
    SoapFault::from(error).into_response()
}

/// `<ns1:name>value</ns1:name>`, or an empty element for null.
fn field(name: &str, value: &Value) -> String {
    match value {
        Value::Null => format!(
            "<ns1:{name} xsi:nil=\"true\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"/>"
        ),
        Value::String(text) => format!("<ns1:{name}>{}</ns1:{name}>", escape(text.as_str())),
        other => format!("<ns1:{name}>{other}</ns1:{name}>"),
    }
}

fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    extensions: &Extensions,
) -> Result<std::sync::Arc<ViamobileAccount>, ViaError> {
    let Some(Credentials::Basic { user, password }) = credentials(headers) else {
        return Err(ViaError::unauthorized());
    };
    let account = state
        .engine
        .store()
        .authenticate_viamobile(&user, &password)
        .ok_or(ViaError::unauthorized())?;
    note_account(extensions, account.id());
    Ok(account)
}

/// `POST /soap`.
#[utoipa::path(post, path = "/soap", tag = VIAMOBILE_TAG, security(("viamobileBasic" = [])),
    params(("SOAPAction" = Option<String>, Header, description = "`SendSms` or `GetDeliveryStatus`; else the body's operation element decides.")),
    request_body(content = String, content_type = "text/xml", description = "A SOAP 1.1 envelope with `SendSms` or `GetDeliveryStatus`."),
    responses(
        (status = OK, description = "`SendSmsResponse` or `messageDeliveryStatuses`.", body = String, content_type = "text/xml"),
        (status = INTERNAL_SERVER_ERROR, description = "A SOAP Fault, as SOAP 1.1 sends every fault; `faultcode` is the error code: 1000 for bad credentials, 400 for a body that is not XML or names no known operation, 413 for a body too large, else the send's own codes (2001, 2002, 1010–1014 …).", body = String, content_type = "text/xml"),
    ))]
pub async fn call(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: Extensions,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return fault(ViaError::payload_too_large());
        }
        Err(_) => return fault(ViaError::bad_request()),
    };
    match dispatch(&state, &headers, &extensions, &body) {
        Ok(response) => response,
        Err(error) => fault(error),
    }
}

fn dispatch(
    state: &AppState,
    headers: &HeaderMap,
    extensions: &Extensions,
    body: &[u8],
) -> Result<Response, ViaError> {
    let account = authenticate(state, headers, extensions)?;
    let document = parse(body).ok_or(ViaError::bad_request())?;
    let action = headers
        .get("soapaction")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .trim_matches('"')
        .to_owned();
    let operation =
        document.find(&["Body"]).and_then(|b| b.children.first()).ok_or(ViaError::bad_request())?;
    if action.ends_with("GetDeliveryStatus")
        || matches!(operation.name.as_str(), "GetDeliveryStatus" | "messageIds")
    {
        let ids = operation.find(&["messageIds"]).unwrap_or(operation);
        delivery_status(&account, ids)
    } else if action.ends_with("SendSms") || operation.name == "SendSms" {
        send_sms(state, &account, operation)
    } else {
        Err(ViaError::bad_request())
    }
}

fn send_sms(
    state: &AppState,
    account: &ViamobileAccount,
    operation: &Element,
) -> Result<Response, ViaError> {
    let recipients: Vec<RecipientInput> = operation
        .children_named("message")
        .map(|m| RecipientInput {
            msisdn: m.text_of("msisdn").map(Value::String).unwrap_or(Value::Null),
            id: m.text_of("id").map(Value::String),
            text: m.text_of("text"),
        })
        .collect();
    if recipients.iter().any(|r| r.id.is_none() || r.text.is_none()) {
        return Err(ViaError::bad_request());
    }
    let input = SendInput {
        sender: operation.text_of("sender").unwrap_or_default(),
        coding: coding_of(operation.text_of("encoding").as_deref())?,
        flash: false,
        time_to_send: operation.text_of("time_to_send"),
        text: None,
        recipients,
    };
    let answer = execute(state, account, input, Mode::Send)?;
    let statuses: String = answer
        .body()
        .recipients
        .iter()
        .map(|r| {
            let fields = [
                field("id", &Value::from(r.id)),
                field("status", &Value::from(r.status)),
                field("bsmsId", &Value::from(r.bsms_id)),
                field("price", &Value::from(r.price)),
                field("parts", &Value::from(r.parts)),
            ];
            format!("<ns1:messageStatus>{}</ns1:messageStatus>", fields.concat())
        })
        .collect();
    Ok(xml(
        StatusCode::OK,
        envelope(&format!("<ns1:SendSmsResponse>{statuses}</ns1:SendSmsResponse>")),
    ))
}

fn delivery_status(account: &ViamobileAccount, ids: &Element) -> Result<Response, ViaError> {
    let mut keys = Vec::new();
    for element in &ids.children {
        let number = || element.text.trim().parse::<i64>().map_err(|_| ViaError::id_not_integer());
        match element.name.as_str() {
            "id" => keys.push(Key::Client(number()?)),
            "bsmsId" => keys.push(Key::Bsms(number()?.max(0) as u64)),
            _ => {}
        }
    }
    let found = account.read(|data| records(data, &keys));
    let statuses: String = found
        .iter()
        .map(|r| {
            let fields = [
                field("id", &Value::from(r.id)),
                field("status", &Value::from("ok")),
                field("price", &Value::from(r.price)),
                field("parts", &Value::from(r.parts)),
            ];
            format!("<ns1:messageDeliveryStatus>{}</ns1:messageDeliveryStatus>", fields.concat())
        })
        .collect();
    Ok(xml(
        StatusCode::OK,
        envelope(&format!("<ns1:messageDeliveryStatuses>{statuses}</ns1:messageDeliveryStatuses>")),
    ))
}

/// `GET /soap?wsdl`: the service description.
#[utoipa::path(get, path = "/soap", tag = VIAMOBILE_TAG,
    params(("wsdl" = Option<String>, Query, description = "Present (`?wsdl`) to get the WSDL.")),
    responses(
        (status = OK, description = "The WSDL.", body = String, content_type = "text/xml"),
        (status = INTERNAL_SERVER_ERROR, description = "A SOAP Fault with code 400: `?wsdl` is missing.", body = String, content_type = "text/xml"),
    ))]
pub async fn wsdl(RawQuery(query): RawQuery) -> Response {
    if !query
        .unwrap_or_default()
        .split('&')
        .any(|p| p.eq_ignore_ascii_case("wsdl") || p.to_ascii_lowercase().starts_with("wsdl="))
    {
        return fault(ViaError::bad_request());
    }
    xml(StatusCode::OK, WSDL.to_owned())
}

const WSDL: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
  xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:tns="http://bsms.viamobile.sk/"
  name="BSMS" targetNamespace="http://bsms.viamobile.sk/">
  <types>
    <xsd:schema targetNamespace="http://bsms.viamobile.sk/">
      <xsd:complexType name="message">
        <xsd:sequence>
          <xsd:element name="id" type="xsd:long"/>
          <xsd:element name="msisdn" type="xsd:long"/>
          <xsd:element name="text" type="xsd:string"/>
        </xsd:sequence>
      </xsd:complexType>
      <xsd:element name="SendSms">
        <xsd:complexType>
          <xsd:sequence>
            <xsd:element name="sender" type="xsd:string" minOccurs="0"/>
            <xsd:element name="encoding" type="xsd:string" minOccurs="0"/>
            <xsd:element name="time_to_send" type="xsd:string" minOccurs="0"/>
            <xsd:element name="message" type="tns:message" maxOccurs="unbounded"/>
          </xsd:sequence>
        </xsd:complexType>
      </xsd:element>
      <xsd:complexType name="messageStatus">
        <xsd:sequence>
          <xsd:element name="id" type="xsd:long" nillable="true"/>
          <xsd:element name="status" type="xsd:string"/>
          <xsd:element name="bsmsId" type="xsd:long" nillable="true"/>
          <xsd:element name="price" type="xsd:decimal" nillable="true"/>
          <xsd:element name="parts" type="xsd:int"/>
        </xsd:sequence>
      </xsd:complexType>
      <xsd:element name="SendSmsResponse">
        <xsd:complexType>
          <xsd:sequence>
            <xsd:element name="messageStatus" type="tns:messageStatus" maxOccurs="unbounded"/>
          </xsd:sequence>
        </xsd:complexType>
      </xsd:element>
      <xsd:element name="messageIds">
        <xsd:complexType>
          <xsd:choice maxOccurs="unbounded">
            <xsd:element name="id" type="xsd:long"/>
            <xsd:element name="bsmsId" type="xsd:long"/>
          </xsd:choice>
        </xsd:complexType>
      </xsd:element>
      <xsd:complexType name="messageDeliveryStatus">
        <xsd:sequence>
          <xsd:element name="id" type="xsd:long" nillable="true"/>
          <xsd:element name="status" type="xsd:string"/>
          <xsd:element name="price" type="xsd:decimal" nillable="true"/>
          <xsd:element name="parts" type="xsd:int"/>
        </xsd:sequence>
      </xsd:complexType>
      <xsd:element name="messageDeliveryStatuses">
        <xsd:complexType>
          <xsd:sequence>
            <xsd:element name="messageDeliveryStatus" type="tns:messageDeliveryStatus" minOccurs="0" maxOccurs="unbounded"/>
          </xsd:sequence>
        </xsd:complexType>
      </xsd:element>
    </xsd:schema>
  </types>
  <message name="SendSmsRequest"><part name="parameters" element="tns:SendSms"/></message>
  <message name="SendSmsResponse"><part name="parameters" element="tns:SendSmsResponse"/></message>
  <message name="GetDeliveryStatusRequest"><part name="parameters" element="tns:messageIds"/></message>
  <message name="GetDeliveryStatusResponse"><part name="parameters" element="tns:messageDeliveryStatuses"/></message>
  <portType name="BSMSPortType">
    <operation name="SendSms"><input message="tns:SendSmsRequest"/><output message="tns:SendSmsResponse"/></operation>
    <operation name="GetDeliveryStatus"><input message="tns:GetDeliveryStatusRequest"/><output message="tns:GetDeliveryStatusResponse"/></operation>
  </portType>
  <binding name="BSMSBinding" type="tns:BSMSPortType">
    <soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <operation name="SendSms">
      <soap:operation soapAction="http://bsms.viamobile.sk/SendSms"/>
      <input><soap:body use="literal"/></input><output><soap:body use="literal"/></output>
    </operation>
    <operation name="GetDeliveryStatus">
      <soap:operation soapAction="http://bsms.viamobile.sk/GetDeliveryStatus"/>
      <input><soap:body use="literal"/></input><output><soap:body use="literal"/></output>
    </operation>
  </binding>
  <service name="BSMSService">
    <port name="BSMSPort" binding="tns:BSMSBinding"><soap:address location="https://api.bsms.viamobile.sk/soap"/></port>
  </service>
</definitions>
"#;
