//! reddit_top on tokio + reqwest: three tasks fetch three listings through
//! one client and print each as it arrives; Ctrl-C stops. Only here to be
//! built and measured beside evloop's example (docs/BENCHMARKS.md).

use serde::Deserialize;

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

async fn top(client: reqwest::Client, base: String, sub: &'static str) -> Result<String, String> {
    let url = format!("{base}/r/{sub}/top.json?sort=top&t=day&limit=5");
    let response = client.get(&url).send().await.map_err(|e| e.to_string())?;
    if response.status() != reqwest::StatusCode::OK {
        return Err(format!("{sub}: {}", response.status()));
    }
    let body = response.bytes().await.map_err(|e| e.to_string())?;
    let listing: Listing = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
    let mut out = String::new();
    for child in listing.data.children {
        let p = child.data;
        out += &format!("{}: {} ({})\n", p.score, p.title, p.url);
    }
    Ok(out + &format!("DONE: {sub}\n"))
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let base = std::env::args()
        .skip_while(|a| a != "--base-url")
        .nth(1)
        .unwrap_or_else(|| "https://www.reddit.com".into());
    let client = reqwest::Client::builder()
        .user_agent("tokio-reddit/0.0")
        .build()
        .expect("client");
    let tasks: Vec<_> = ["python", "programming", "compsci"]
        .into_iter()
        .map(|sub| tokio::spawn(top(client.clone(), base.clone(), sub)))
        .collect();
    let all = async {
        for task in tasks {
            match task.await.expect("task") {
                Ok(text) => println!("{text}"),
                Err(e) => eprintln!("{e}"),
            }
        }
    };
    tokio::select! {
        _ = all => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}
