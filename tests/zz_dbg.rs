#[test]
fn dbg() {
    let rt = evloop::Runtime::builder()
        .slow_poll_threshold(None)
        .build()
        .unwrap();
    rt.block_on(async {
        let mut hs = Vec::with_capacity(1000);
        for round in 0..3 {
            let c0 = evloop::dbg_counts();
            for _ in 0..1000 {
                hs.push(evloop::spawn(async {}));
            }
            for h in hs.drain(..) {
                h.await.unwrap();
            }
            let c1 = evloop::dbg_counts();
            for _ in 0..1000 {
                drop(evloop::spawn(evloop::task::yield_now()));
            }
            evloop::task::yield_now().await;
            evloop::task::yield_now().await;
            let c2 = evloop::dbg_counts();
            eprintln!(
                "round {round}: unit misses {:?} detached misses {:?}",
                (c1.0 - c0.0, c1.1 - c0.1),
                (c2.0 - c1.0, c2.1 - c1.1)
            );
        }
    });
}
