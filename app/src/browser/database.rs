//! The browser's database (IndexedDB) as the network's holder uses it: one object store of
//! strings by key, read whole and written in one transaction. It is there in a worker, which
//! has no localStorage, and on a page alike.

use crate::wire::Write;
use js_sys::{Array, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbFactory, IdbRequest, IdbTransaction, IdbTransactionMode};

const NAME: &str = "colloquy";
/// Snapshots of the network, by their storage key (`doc::store`).
const SAVED: &str = "saved";

thread_local! {
    static OPEN: std::cell::RefCell<Option<IdbDatabase>> = const { std::cell::RefCell::new(None) };
}

/// A request's result, once it has one.
async fn done(request: &IdbRequest) -> Result<JsValue, String> {
    let promise = Promise::new(&mut |resolve, reject| {
        request.set_onsuccess(Some(&resolve));
        request.set_onerror(Some(&reject));
    });
    JsFuture::from(promise)
        .await
        .map_err(|_| problem(request.error().ok().flatten()))?;
    request.result().map_err(|_| "no result".to_owned())
}

/// A transaction, once it is durable (or why it isn't).
async fn committed(transaction: &IdbTransaction) -> Result<(), String> {
    let promise = Promise::new(&mut |resolve, reject| {
        transaction.set_oncomplete(Some(&resolve));
        transaction.set_onerror(Some(&reject));
        transaction.set_onabort(Some(&reject));
    });
    JsFuture::from(promise)
        .await
        .map(|_| ())
        .map_err(|_| problem(transaction.error()))
}

fn problem(error: Option<web_sys::DomException>) -> String {
    error.map_or_else(|| "the database refused".to_owned(), |e| e.message())
}

async fn database() -> Result<IdbDatabase, String> {
    if let Some(open) = OPEN.with_borrow(Clone::clone) {
        return Ok(open);
    }
    let factory: IdbFactory = js_sys::Reflect::get(&js_sys::global(), &"indexedDB".into())
        .ok()
        .and_then(|f| f.dyn_into().ok())
        .ok_or("this browser has no database")?;
    let request = factory.open_with_u32(NAME, 1).map_err(|_| "no database")?;
    let upgrade = Closure::<dyn FnMut(web_sys::Event)>::new(|event: web_sys::Event| {
        let made = event
            .target()
            .and_then(|t| t.dyn_into::<IdbRequest>().ok())
            .and_then(|r| r.result().ok())
            .and_then(|db| db.dyn_into::<IdbDatabase>().ok());
        if let Some(db) = made {
            if !db.object_store_names().contains(SAVED) {
                let _ = db.create_object_store(SAVED);
            }
        }
    });
    request.set_onupgradeneeded(Some(upgrade.as_ref().unchecked_ref()));
    let opened = done(&request).await;
    request.set_onupgradeneeded(None);
    let db: IdbDatabase = opened?.dyn_into().map_err(|_| "not a database")?;
    // Another version of the app asking for a newer layout gets it: this one lets go.
    let close = Closure::<dyn FnMut()>::new({
        let db = db.clone();
        move || {
            db.close();
            OPEN.set(None);
        }
    });
    db.set_onversionchange(Some(close.as_ref().unchecked_ref()));
    close.forget();
    OPEN.set(Some(db.clone()));
    Ok(db)
}

/// Every key and value saved. (A browser with no database at all has nothing saved in it.)
pub async fn read_all() -> Result<Vec<(String, String)>, String> {
    if !js_sys::Reflect::has(&js_sys::global(), &"indexedDB".into()).unwrap_or(false) {
        return Ok(Vec::new());
    }
    let db = database().await?;
    let transaction = db
        .transaction_with_str(SAVED)
        .map_err(|_| "the database is closing")?;
    let store = transaction
        .object_store(SAVED)
        .map_err(|_| "no saved copies")?;
    let keys = store.get_all_keys().map_err(|_| "unreadable")?;
    let values = store.get_all().map_err(|_| "unreadable")?;
    let keys: Array = done(&keys).await?.unchecked_into();
    let values: Array = done(&values).await?.unchecked_into();
    Ok(keys
        .iter()
        .zip(values.iter())
        .filter_map(|(key, value)| Some((key.as_string()?, value.as_string()?)))
        .collect())
}

/// Makes `writes` in one transaction, durable on disk before it is done.
pub async fn write(writes: &[Write]) -> Result<(), String> {
    let db = database().await?;
    // Durable on disk before it is done: a `head` naming these snapshots is stored next.
    // (`durability` is not in web-sys' stable bindings.)
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"durability".into(), &"strict".into());
    let transaction = js_sys::Reflect::get(&db, &"transaction".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .and_then(|f| {
            f.call3(&db, &SAVED.into(), &"readwrite".into(), &options)
                .ok()
        })
        .and_then(|t| t.dyn_into::<IdbTransaction>().ok())
        .or_else(|| {
            db.transaction_with_str_and_mode(SAVED, IdbTransactionMode::Readwrite)
                .ok()
        })
        .ok_or("the database is closing")?;
    let store = transaction
        .object_store(SAVED)
        .map_err(|_| "no saved copies")?;
    for write in writes {
        let made = match write {
            Write::Set(key, value) => store.put_with_key(&value.into(), &key.into()),
            Write::Remove(key) => store.delete(&key.into()),
        };
        if made.is_err() {
            let _ = transaction.abort();
            return Err("the database refused a write".to_owned());
        }
    }
    committed(&transaction).await
}
