//! The note's asyncio + aiohttp program, retold on evloop: three tasks on
//! one thread fetch the top posts of r/python, r/programming and r/compsci
//! through one shared HTTP client, and print each listing as soon as it
//! arrives.
//!
//! ```sh
//! cargo run --example reddit_top                        # offline (below)
//! cargo run --example reddit_top -- --base-url http://127.0.0.1:8000
//! cargo run --example reddit_top --features tls -- --live
//! cargo run --example reddit_top --features tls -- --base-url https://localhost:8443 --ca-file ca.pem
//! ```
//!
//! By default nothing leaves the machine: the example starts a small HTTP
//! server on 127.0.0.1 (a random port) *on the same event loop*, serving the
//! listings the note printed (`examples/fixtures/*.json`, shaped like real
//! Reddit listings). The server answers each subreddit after a different
//! delay, so the output shows the fetches overlapping: compsci, python,
//! programming, the order the note saw. `--live` asks www.reddit.com
//! itself, which throttles and sometimes blocks anonymous clients: a
//! refusal is reported in one line, never a panic. Ctrl-C stops the loop
//! cleanly, as the note's SIGINT handler did.
//!
//! The JSON is parsed with serde_json on `Response::bytes`, so that the
//! default command needs no feature flag; with `--features json`,
//! `response.json::<Listing>()` does the same in one call.

use std::process::ExitCode;
use std::time::Duration;

use evloop::http::{Client, StatusCode};
use serde::Deserialize;

/// The subreddits the note fetched, in the order it started them.
const SUBREDDITS: [&str; 3] = ["python", "programming", "compsci"];

/// A listing as Reddit sends it: only the fields we print.
#[derive(Deserialize)]
struct Listing {
    data: ListingData,
}

#[derive(Deserialize)]
struct ListingData {
    children: Vec<Child>,
}

#[derive(Deserialize)]
struct Child {
    data: Post,
}

#[derive(Deserialize)]
struct Post {
    score: i64,
    title: String,
    url: String,
}

/// Command-line settings.
struct Args {
    base_url: Option<String>,
    ca_file: Option<String>,
    live: bool,
}

// asyncio.run(main()): the attribute builds the runtime and runs the body.
#[evloop::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            eprintln!("usage: reddit_top [--base-url URL] [--ca-file PEM] [--live]");
            return ExitCode::from(2);
        }
    };
    run(args).await
}

async fn run(args: Args) -> ExitCode {
    let base_url = match (&args.base_url, args.live) {
        (Some(url), _) => url.trim_end_matches('/').to_owned(),
        (None, true) => "https://www.reddit.com".to_owned(),
        (None, false) => match serve_fixtures().await {
            Ok(url) => url,
            Err(e) => {
                eprintln!("cannot start the embedded server: {e}");
                return ExitCode::FAILURE;
            }
        },
    };
    let client = match build_client(&args) {
        Ok(client) => client,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::FAILURE;
        }
    };

    // Three tasks on this one thread, sharing the client (and its pool).
    let tasks: Vec<_> = SUBREDDITS
        .iter()
        .map(|sub| evloop::spawn(fetch(client.clone(), base_url.clone(), sub)))
        .collect();
    let all_done = async {
        let mut ok = true;
        for task in tasks {
            ok &= task.await.unwrap_or(false);
        }
        ok
    };
    // Whichever comes first; the other is dropped.
    evloop::select! {
        ok = all_done => if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE },
        () = ctrl_c() => {
            // Returning drops the runtime, and with it the unfinished tasks
            // and their sockets: the loop stops cleanly.
            eprintln!("interrupted");
            ExitCode::from(130)
        }
    }
}

/// Fetches one listing and prints it; false (after one line on stderr) if
/// it failed.
async fn fetch(client: Client, base_url: String, sub: &'static str) -> bool {
    let url = format!("{base_url}/r/{sub}/top.json");
    let query = [("sort", "top"), ("t", "day"), ("limit", "5")];
    let response = match client.get(&url).query(&query).send().await {
        Ok(response) => response,
        Err(e) => {
            eprintln!("r/{sub}: {e}");
            return false;
        }
    };
    let status = response.status();
    let content_type = response
        .header("content-type")
        .unwrap_or("no content type")
        .to_owned();
    let body = match response.bytes().await {
        Ok(body) => body,
        Err(e) => {
            eprintln!("r/{sub}: {e}");
            return false;
        }
    };
    if status != StatusCode::OK {
        eprintln!(
            "r/{sub}: HTTP {status} ({content_type}), body starts {}",
            first_bytes(&body)
        );
        return false;
    }
    let listing: Listing = match serde_json::from_slice(&body) {
        Ok(listing) => listing,
        Err(e) => {
            eprintln!(
                "r/{sub}: not a Reddit listing ({e}; {content_type}), body starts {}",
                first_bytes(&body)
            );
            return false;
        }
    };
    // One print per listing, so that concurrent listings never interleave.
    let mut out = String::new();
    for child in listing.data.children {
        let post = child.data;
        out.push_str(&format!("{}: {} ({})\n", post.score, post.title, post.url));
    }
    out.push_str(&format!("DONE: {sub}\n\n"));
    print!("{out}");
    true
}

/// The first bytes of a body, quoted, for an error line.
fn first_bytes(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(60)]);
    format!(
        "{:?}",
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    )
}

fn build_client(args: &Args) -> Result<Client, String> {
    let mut builder = Client::builder().timeout(Duration::from_secs(30));
    if args.live {
        // Reddit throttles or blocks generic agents; it asks for
        // `<platform>:<app id>:<version> (by /u/<user>)`.
        builder = builder.user_agent(format!(
            "{}:evloop-reddit-top:{} (by /u/evloop-example)",
            std::env::consts::OS,
            env!("CARGO_PKG_VERSION")
        ));
    }
    if let Some(path) = &args.ca_file {
        #[cfg(feature = "tls")]
        {
            let pem = std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))?;
            let cert =
                evloop::http::Certificate::from_pem(&pem).map_err(|e| format!("{path}: {e}"))?;
            builder = builder.add_root_certificate(cert);
        }
        #[cfg(not(feature = "tls"))]
        return Err(format!(
            "--ca-file {path} needs TLS: cargo run --example reddit_top --features tls -- ..."
        ));
    }
    builder.build().map_err(|e| e.to_string())
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        base_url: None,
        ca_file: None,
        live: false,
    };
    let mut iter = std::env::args().skip(1);
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--base-url" => args.base_url = Some(iter.next().ok_or("--base-url needs a URL")?),
            "--ca-file" => args.ca_file = Some(iter.next().ok_or("--ca-file needs a path")?),
            "--live" => args.live = true,
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(args)
}

// ---------------------------------------------------------------------------
// The embedded server (shared with `job_queue`): HTTP/1.1 on the same loop.

#[path = "support/fixture_server.rs"]
mod fixture_server;

use fixture_server::Page;

/// Reddit's listings carry this content type.
const JSON: &str = "application/json; charset=UTF-8";

/// The fixtures, compiled in so the example runs from any directory, each
/// with the time the server pretends the network takes to deliver it: the
/// note's run finished compsci, then python, then programming.
const FIXTURES: [Page; 3] = [
    Page {
        path: "/r/python/top.json",
        delay_ms: 100,
        content_type: JSON,
        body: include_str!("fixtures/python.json"),
    },
    Page {
        path: "/r/programming/top.json",
        delay_ms: 150,
        content_type: JSON,
        body: include_str!("fixtures/programming.json"),
    },
    Page {
        path: "/r/compsci/top.json",
        delay_ms: 50,
        content_type: JSON,
        body: include_str!("fixtures/compsci.json"),
    },
];

/// Starts the fixture server on 127.0.0.1 (a free port) and returns its
/// base URL. It runs as tasks on the current runtime until it is dropped.
async fn serve_fixtures() -> std::io::Result<String> {
    fixture_server::serve(&FIXTURES).await
}

// ---------------------------------------------------------------------------
// A small helper: Ctrl-C.

/// Resolves on Ctrl-C (SIGINT); never, if signals are not available.
async fn ctrl_c() {
    #[cfg(feature = "signal")]
    if evloop::signal::ctrl_c().await.is_ok() {
        return;
    }
    std::future::pending::<()>().await
}
