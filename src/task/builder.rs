//! [`Builder`]: spawn a task with a name.

use std::future::Future;
use std::panic::Location;

use super::JoinHandle;
use crate::runtime::context;
use crate::runtime::diagnostics::SpawnMeta;
use crate::{Handle, Runtime};

/// Spawns a task with a name, which the trace, the slow-poll warnings and
/// [`Runtime::dump`](crate::Runtime::dump) show instead of the spawn
/// location.
///
/// # Examples
///
/// ```
/// evloop::block_on(async {
///     let task = evloop::task::Builder::new()
///         .name("fetch python")
///         .spawn(async { 200 });
///     assert_eq!(task.await.unwrap(), 200);
/// });
/// ```
#[derive(Debug, Clone, Default)]
pub struct Builder {
    /// The task's name, if one was given.
    name: Option<Box<str>>,
}

impl Builder {
    /// A builder for an unnamed task (shown by its spawn location).
    pub fn new() -> Builder {
        Builder::default()
    }

    /// Names the task.
    pub fn name(mut self, name: impl Into<String>) -> Builder {
        self.name = Some(name.into().into_boxed_str());
        self
    }

    /// Spawns the task on the runtime running on this thread, like
    /// [`evloop::spawn`](crate::spawn).
    ///
    /// # Panics
    ///
    /// Outside a runtime, like [`evloop::spawn`](crate::spawn).
    #[track_caller]
    pub fn spawn<F>(self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let meta = self.meta(Location::caller());
        context::expect_current("task::Builder::spawn").spawn_with(future, meta)
    }

    /// Spawns the task on `runtime`, like [`Runtime::spawn`].
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = evloop::Runtime::new()?;
    /// let task = evloop::task::Builder::new().name("answer").spawn_on(async { 42 }, &rt);
    /// assert_eq!(rt.block_on(task).unwrap(), 42);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[track_caller]
    pub fn spawn_on<F>(self, future: F, runtime: &Runtime) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let meta = self.meta(Location::caller());
        runtime.core().spawn_with(future, meta)
    }

    /// Spawns a `Send` task through `handle`, from any thread, like
    /// [`Handle::spawn`].
    ///
    /// # Examples
    ///
    /// ```
    /// let rt = evloop::Runtime::new()?;
    /// let handle = rt.handle();
    /// let task = std::thread::spawn(move || {
    ///     evloop::task::Builder::new().name("remote").spawn_with_handle(async { 7 }, &handle)
    /// })
    /// .join()
    /// .unwrap();
    /// assert_eq!(rt.block_on(task).unwrap(), 7);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[track_caller]
    pub fn spawn_with_handle<F>(self, future: F, handle: &Handle) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let meta = self.meta(Location::caller());
        handle.spawn_with(future, meta)
    }

    fn meta(self, location: &'static Location<'static>) -> SpawnMeta {
        SpawnMeta {
            name: self.name,
            location,
        }
    }
}
