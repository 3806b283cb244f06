//! [`RequestBuilder`]: a request's method, URL, headers and body, and
//! [`IntoUrl`] for what `get` and friends accept.

use std::fmt;
use std::time::Duration;

use http::header::{HeaderMap, HeaderName, HeaderValue};
use http::Method;

use super::error::Error;
use super::{Client, Response, Url};

/// A request ready to go: what the client's send path works with.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub(crate) method: Method,
    pub(crate) url: Url,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Option<Vec<u8>>,
    pub(crate) timeout: Option<Duration>,
}

/// A request being put together; [`send`](RequestBuilder::send) sends it.
///
/// Mistakes (a bad URL or header) are kept and reported by `send` as an
/// [`is_builder`](Error::is_builder) error, so calls chain without `?`
/// after each one.
///
/// # Examples
///
/// ```no_run
/// evloop::block_on(async {
///     let client = evloop::http::Client::new();
///     let response = client
///         .post("http://127.0.0.1:8080/echo")
///         .header("content-type", "text/plain")
///         .query(&[("lang", "en")])
///         .body("hello")
///         .timeout(std::time::Duration::from_secs(5))
///         .send()
///         .await?;
///     println!("{}", response.status());
///     Ok::<(), evloop::http::Error>(())
/// })?;
/// # Ok::<(), evloop::http::Error>(())
/// ```
#[must_use = "a RequestBuilder does nothing until it is sent"]
pub struct RequestBuilder {
    client: Client,
    request: Result<Request, Error>,
}

impl fmt::Debug for RequestBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.request {
            Ok(request) => f
                .debug_struct("RequestBuilder")
                .field("method", &request.method)
                .field("url", &request.url)
                .field("headers", &request.headers)
                .finish(),
            Err(error) => f
                .debug_struct("RequestBuilder")
                .field("error", error)
                .finish(),
        }
    }
}

impl RequestBuilder {
    pub(crate) fn new(client: Client, method: Method, url: Result<Url, Error>) -> RequestBuilder {
        RequestBuilder {
            client,
            request: url.map(|url| Request {
                method,
                url,
                headers: HeaderMap::new(),
                body: None,
                timeout: None,
            }),
        }
    }

    /// Applies `f` to the request, or keeps the first error.
    fn with(mut self, f: impl FnOnce(&mut Request) -> Result<(), Error>) -> RequestBuilder {
        if let Ok(request) = &mut self.request {
            if let Err(e) = f(request) {
                self.request = Err(e);
            }
        }
        self
    }

    /// Adds a header field (`append`: a name given twice is sent twice).
    pub fn header<K, V>(self, name: K, value: V) -> RequestBuilder
    where
        HeaderName: TryFrom<K>,
        <HeaderName as TryFrom<K>>::Error: Into<http::Error>,
        HeaderValue: TryFrom<V>,
        <HeaderValue as TryFrom<V>>::Error: Into<http::Error>,
    {
        self.with(|request| {
            let name = HeaderName::try_from(name).map_err(|e| Error::builder(e.into()))?;
            let value = HeaderValue::try_from(value).map_err(|e| Error::builder(e.into()))?;
            request.headers.append(name, value);
            Ok(())
        })
    }

    /// Adds every field of `headers`, replacing fields of the same name.
    pub fn headers(self, headers: HeaderMap) -> RequestBuilder {
        self.with(|request| {
            let mut last = None;
            for (name, value) in headers {
                // `HeaderMap`'s iterator gives the name only with the first
                // value of a name; the following ones reuse it.
                let name = match name {
                    Some(name) => {
                        request.headers.remove(&name);
                        last = Some(name.clone());
                        name
                    }
                    None => last.clone().expect("a value follows its name"),
                };
                request.headers.append(name, value);
            }
            Ok(())
        })
    }

    /// Appends `key=value` pairs to the URL's query, form-encoded.
    ///
    /// ```
    /// let client = evloop::http::Client::new();
    /// let request = client.get("http://h/top.json").query(&[("t", "day"), ("limit", "5")]);
    /// assert!(format!("{request:?}").contains("/top.json?t=day&limit=5"));
    /// ```
    pub fn query<K: AsRef<str>, V: AsRef<str>>(self, pairs: &[(K, V)]) -> RequestBuilder {
        self.with(|request| {
            let pairs: Vec<(String, String)> = pairs
                .iter()
                .map(|(k, v)| (k.as_ref().to_owned(), v.as_ref().to_owned()))
                .collect();
            request.url.append_query(&pairs);
            Ok(())
        })
    }

    /// The request body; its `Content-Length` is set from it.
    pub fn body(self, body: impl Into<Vec<u8>>) -> RequestBuilder {
        self.with(|request| {
            request.body = Some(body.into());
            Ok(())
        })
    }

    /// `value` serialized as the JSON body, with `Content-Type:
    /// application/json` unless one was set.
    #[cfg(feature = "json")]
    pub fn json<T: serde::Serialize + ?Sized>(self, value: &T) -> RequestBuilder {
        self.with(|request| {
            let body = serde_json::to_vec(value).map_err(Error::builder)?;
            request
                .headers
                .entry(http::header::CONTENT_TYPE)
                .or_insert(HeaderValue::from_static("application/json"));
            request.body = Some(body);
            Ok(())
        })
    }

    /// A limit on this whole request, body included (instead of the
    /// client's).
    pub fn timeout(self, limit: Duration) -> RequestBuilder {
        self.with(|request| {
            request.timeout = Some(limit);
            Ok(())
        })
    }

    /// Sends the request; the response comes back once its head arrived.
    ///
    /// # Errors
    ///
    /// See [`Error`]; a 4xx or 5xx status is not an error.
    pub async fn send(self) -> Result<Response, Error> {
        let request = self.request?;
        self.client.execute(request).await
    }
}

/// What [`Client::get`] and friends accept as a URL: `&str`, `String`,
/// `&String` and [`Url`].
pub trait IntoUrl: sealed::Sealed {
    /// The parsed URL, or an [`is_builder`](Error::is_builder) error.
    fn into_url(self) -> Result<Url, Error>;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for &str {}
    impl Sealed for String {}
    impl Sealed for &String {}
    impl Sealed for super::Url {}
    impl Sealed for &super::Url {}
}

impl IntoUrl for &str {
    fn into_url(self) -> Result<Url, Error> {
        Url::parse(self).map_err(Error::builder)
    }
}

impl IntoUrl for String {
    fn into_url(self) -> Result<Url, Error> {
        self.as_str().into_url()
    }
}

impl IntoUrl for &String {
    fn into_url(self) -> Result<Url, Error> {
        self.as_str().into_url()
    }
}

impl IntoUrl for Url {
    fn into_url(self) -> Result<Url, Error> {
        Ok(self)
    }
}

impl IntoUrl for &Url {
    fn into_url(self) -> Result<Url, Error> {
        Ok(self.clone())
    }
}
