//! The relay connection: a binary WebSocket to `/sync` on the page's own host.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

/// An open (or opening) WebSocket and the callbacks it holds.
pub struct Socket {
    ws: web_sys::WebSocket,
    _on_open: Closure<dyn FnMut()>,
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _on_close: Closure<dyn FnMut()>,
}

impl Socket {
    /// Opens `/sync` on this page's host (`wss:` when the page is `https:`), with the invite
    /// code that lets it start a network where the relay asks for one.
    pub fn open(
        invite: Option<&str>,
        on_open: impl FnMut() + 'static,
        mut on_message: impl FnMut(Vec<u8>) + 'static,
        on_close: impl FnMut() + 'static,
    ) -> Result<Socket, String> {
        // (A window's or a worker's location.)
        let location = js_sys::Reflect::get(&js_sys::global(), &"location".into())
            .map_err(|e| format!("{e:?}"))?;
        let part = |name: &str| {
            js_sys::Reflect::get(&location, &name.into())
                .ok()
                .and_then(|v| v.as_string())
                .ok_or_else(|| format!("no {name} in this page's address"))
        };
        let scheme = match part("protocol")?.as_str() {
            "https:" => "wss:",
            _ => "ws:",
        };
        let host = part("host")?;
        let query = invite
            .map(|code| {
                let code: String = js_sys::encode_uri_component(code).into();
                format!("?invite={code}")
            })
            .unwrap_or_default();
        let ws = web_sys::WebSocket::new(&format!("{scheme}//{host}/sync{query}"))
            .map_err(|e| format!("{e:?}"))?;
        ws.set_binary_type(web_sys::BinaryType::Arraybuffer);
        let on_open = Closure::<dyn FnMut()>::new(on_open);
        let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
            move |event: web_sys::MessageEvent| {
                if let Ok(buffer) = event.data().dyn_into::<js_sys::ArrayBuffer>() {
                    on_message(js_sys::Uint8Array::new(&buffer).to_vec());
                }
            },
        );
        let on_close = Closure::<dyn FnMut()>::new(on_close);
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        Ok(Socket {
            ws,
            _on_open: on_open,
            _on_message: on_message,
            _on_close: on_close,
        })
    }

    pub fn is_open(&self) -> bool {
        self.ws.ready_state() == web_sys::WebSocket::OPEN
    }

    pub fn send(&self, frame: &[u8]) -> bool {
        self.is_open() && self.ws.send_with_u8_array(frame).is_ok()
    }

    /// Closes without calling back (the caller already knows).
    pub fn close(&self) {
        self.ws.set_onclose(None);
        self.ws.set_onmessage(None);
        let _ = self.ws.close();
    }
}
