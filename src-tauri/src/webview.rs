//! How the main window's web view renders, on Linux (WebKitGTK).
//!
//! The app draws a form-and-table interface: no video, canvas, WebGL or animation. WebKitGTK's
//! default, accelerated compositing, gives the page and every scrolling box (the numbers table
//! is one) their own tiled GL surfaces and keeps a chain of full-window buffers; without a GPU
//! (Mesa's software GL, as under Xvfb or in a VM) all of that lives in the web process's memory:
//! about 85 MB of the app's idle footprint, measured by `scripts/bench-app.sh`
//! (docs/BENCHMARKS.md). With hardware acceleration off WebKit paints the page into one
//! shared-memory backing store the size of the window, which is plenty for this interface.
//!
//! `SWITCHBOARD_GPU_COMPOSITING=1` keeps WebKit's default (accelerated) instead. Windows and
//! macOS are unchanged.

/// Applies the rendering settings to a window's web view (call once, right after the window
/// is created).
pub fn configure<R: tauri::Runtime>(window: &tauri::WebviewWindow<R>) -> tauri::Result<()> {
    #[cfg(target_os = "linux")]
    if std::env::var_os("SWITCHBOARD_GPU_COMPOSITING").is_none_or(|v| v != "1") {
        window.with_webview(|webview| {
            use webkit2gtk::{HardwareAccelerationPolicy, SettingsExt, WebViewExt};
            if let Some(settings) = WebViewExt::settings(&webview.inner()) {
                settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
            }
        })?;
    }
    #[cfg(not(target_os = "linux"))]
    let _ = window;
    Ok(())
}
