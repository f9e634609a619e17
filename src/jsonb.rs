//! A jsonb argument read where PostgreSQL keeps it, one level at a time.
//!
//! pgrx's `JsonB` turns the whole document into a `serde_json::Value`
//! before the function runs: a document nested deeper than serde_json's
//! recursion limit, or a number past f64 (`1e400`), then fails as XX000.
//! [`Jsonb`] walks PostgreSQL's own representation instead, with
//! PostgreSQL's iterator and without descending into nested containers
//! unless asked to, so any valid jsonb is read without recursion and its
//! numbers keep their exact value.

use std::ffi::CStr;
use std::marker::PhantomData;

use pgrx::callconv::{Arg, ArgAbi};
use pgrx::nullable::Nullable;
use pgrx::pg_sys::{self, jbvType, JsonbIteratorToken::*};
use pgrx::pgrx_sql_entity_graph::metadata::{
    ArgumentError, ReturnsError, ReturnsRef, SqlMappingRef, SqlTranslatable, TypeOrigin,
};
use pgrx::{FromDatum, JsonB};

/// A jsonb argument, detoasted, valid for the call.
pub struct Jsonb<'fcx> {
    root: *mut pg_sys::JsonbContainer,
    _call: PhantomData<&'fcx ()>,
}

/// One value of a document; containers are read when asked for.
pub enum Node<'a> {
    Null,
    Bool(bool),
    /// A number as PostgreSQL's numeric output writes it (`-12`, `2.50`).
    Number(String),
    String(&'a str),
    Array(Container<'a>),
    Object(Container<'a>),
}

/// An array or object inside the document.
#[derive(Clone, Copy)]
pub struct Container<'a> {
    ptr: *mut pg_sys::JsonbContainer,
    _doc: PhantomData<&'a ()>,
}

impl<'a> Container<'a> {
    fn new(ptr: *mut pg_sys::JsonbContainer) -> Self {
        Container {
            ptr,
            _doc: PhantomData,
        }
    }

    /// How many elements (array) or keys (object) it has, without reading them.
    pub fn len(&self) -> usize {
        // SAFETY: a container of a live, detoasted document.
        (unsafe { (*self.ptr).header } & pg_sys::JB_CMASK) as usize
    }

    /// Its elements, or its keys with their values (`None` for array
    /// elements), one level deep, in the document's order.
    pub fn children(&self) -> Vec<(Option<&'a str>, Node<'a>)> {
        let mut children = Vec::with_capacity(self.len());
        // SAFETY: PostgreSQL's iterator over a container of a live
        // document; with skipNested it returns nested containers whole.
        // It frees itself when it returns WJB_DONE.
        unsafe {
            let mut it = pg_sys::JsonbIteratorInit(self.ptr);
            let mut value: pg_sys::JsonbValue = std::mem::zeroed();
            let mut key = None;
            loop {
                match pg_sys::JsonbIteratorNext(&mut it, &mut value, true) {
                    WJB_DONE => break,
                    WJB_KEY => key = Some(text(&value)),
                    WJB_VALUE | WJB_ELEM => children.push((key.take(), node(&value))),
                    _ => {}
                }
            }
        }
        children
    }
}

/// The text of a jbvString value.
///
/// # Safety
/// `value` is a string value of a live document.
unsafe fn text<'a>(value: &pg_sys::JsonbValue) -> &'a str {
    // SAFETY: jsonb strings are valid in the database encoding, which the
    // extension requires to be UTF8 (sql/schema.sql).
    unsafe {
        let s = value.val.string;
        let bytes = std::slice::from_raw_parts(s.val as *const u8, s.len as usize);
        std::str::from_utf8_unchecked(bytes)
    }
}

/// # Safety
/// `value` was just returned by the iterator of a live document.
unsafe fn node<'a>(value: &pg_sys::JsonbValue) -> Node<'a> {
    // SAFETY: the union member read is the one `type_` names.
    unsafe {
        match value.type_ {
            jbvType::jbvNull => Node::Null,
            jbvType::jbvBool => Node::Bool(value.val.boolean),
            jbvType::jbvString => Node::String(text(value)),
            jbvType::jbvNumeric => {
                let out = pgrx::direct_function_call::<&CStr>(
                    pg_sys::numeric_out,
                    &[Some(pg_sys::Datum::from(value.val.numeric))],
                )
                .expect("numeric_out returns text");
                Node::Number(out.to_string_lossy().into_owned())
            }
            jbvType::jbvBinary => {
                let container = value.val.binary.data;
                if (*container).header & pg_sys::JB_FOBJECT != 0 {
                    Node::Object(Container::new(container))
                } else {
                    Node::Array(Container::new(container))
                }
            }
            other => panic!("wms: unexpected jsonb value type {other}"),
        }
    }
}

impl Node<'_> {
    /// What kind of value it is, as an error message names it.
    pub fn kind(&self) -> &'static str {
        match self {
            Node::Null => "null",
            Node::Bool(_) => "a boolean",
            Node::Number(_) => "a number",
            Node::String(_) => "a string",
            Node::Array(_) => "an array",
            Node::Object(_) => "an object",
        }
    }

    /// A scalar as JSON, cut to 100 characters: a message never repeats
    /// a caller's megabytes.
    pub fn shown(&self) -> String {
        let json = match self {
            Node::Null => "null".into(),
            Node::Bool(b) => b.to_string(),
            Node::Number(n) => n.clone(),
            Node::String(s) => serde_json::Value::String((*s).into()).to_string(),
            Node::Array(_) => "[...]".into(),
            Node::Object(_) => "{...}".into(),
        };
        match json.char_indices().nth(100) {
            Some((cut, _)) => format!("{}...", &json[..cut]),
            None => json,
        }
    }

    /// Its kind, and its value when it is a boolean, number or string.
    pub fn described(&self) -> String {
        match self {
            Node::Bool(_) | Node::Number(_) | Node::String(_) => {
                format!("{} {}", self.kind(), self.shown())
            }
            _ => self.kind().into(),
        }
    }
}

impl<'fcx> Jsonb<'fcx> {
    /// The document's top-level value.
    pub fn root(&self) -> Node<'fcx> {
        // SAFETY: the root container of a live, detoasted document.
        let header = unsafe { (*self.root).header };
        if header & pg_sys::JB_FSCALAR != 0 {
            // A scalar document is stored as an array of one element.
            let (_, scalar) = Container::new(self.root)
                .children()
                .pop()
                .expect("a scalar document holds one value");
            scalar
        } else if header & pg_sys::JB_FOBJECT != 0 {
            Node::Object(Container::new(self.root))
        } else {
            Node::Array(Container::new(self.root))
        }
    }
}

impl FromDatum for Jsonb<'_> {
    unsafe fn from_polymorphic_datum(
        datum: pg_sys::Datum,
        is_null: bool,
        _: pg_sys::Oid,
    ) -> Option<Self> {
        if is_null {
            return None;
        }
        // SAFETY: a jsonb datum; the detoasted copy lives in the call's
        // memory context.
        let jsonb = unsafe { pg_sys::pg_detoast_datum(datum.cast_mut_ptr()) } as *mut pg_sys::Jsonb;
        Some(Jsonb {
            // SAFETY: a detoasted jsonb value.
            root: unsafe { &raw mut (*jsonb).root },
            _call: PhantomData,
        })
    }
}

unsafe impl<'fcx> ArgAbi<'fcx> for Jsonb<'fcx> {
    unsafe fn unbox_arg_unchecked(arg: Arg<'_, 'fcx>) -> Self {
        let index = arg.index();
        // SAFETY: pgrx passes an argument of the declared type, jsonb.
        unsafe { arg.unbox_arg_using_from_datum() }
            .unwrap_or_else(|| panic!("argument {index} must not be null"))
    }

    unsafe fn unbox_nullable_arg(arg: Arg<'_, 'fcx>) -> Nullable<Self> {
        // SAFETY: as above.
        unsafe { arg.unbox_arg_using_from_datum() }.into()
    }
}

// SAFETY: the SQL type is jsonb, exactly as for pgrx's JsonB.
unsafe impl SqlTranslatable for Jsonb<'_> {
    const TYPE_IDENT: &'static str = <JsonB as SqlTranslatable>::TYPE_IDENT;
    const TYPE_ORIGIN: TypeOrigin = <JsonB as SqlTranslatable>::TYPE_ORIGIN;
    const ARGUMENT_SQL: Result<SqlMappingRef, ArgumentError> = Ok(SqlMappingRef::literal("jsonb"));
    const RETURN_SQL: Result<ReturnsRef, ReturnsError> =
        Ok(ReturnsRef::One(SqlMappingRef::literal("jsonb")));
}

/// A jsonb result as PostgreSQL built it, returned as it is: pgrx's
/// `JsonB` would go through serde_json, whose f64 rounds numbers and drops
/// their scale (`999.00` would come back as `999.0`).
pub struct JsonbDatum(pg_sys::Datum);

impl JsonbDatum {
    /// A jsonb datum of a result row, copied out of SPI's memory into the
    /// memory of the call that returns it.
    ///
    /// # Safety
    /// `datum` is a jsonb value of a live SPI result, read while SPI is
    /// connected.
    pub unsafe fn transfer(datum: pg_sys::Datum) -> Self {
        // SAFETY: the caller's promise; jsonb is a varlena (by reference,
        // length -1).
        JsonbDatum(unsafe { pg_sys::SPI_datumTransfer(datum, false, -1) })
    }
}

// SAFETY: the datum is a jsonb in the memory of the current call.
unsafe impl pgrx::callconv::BoxRet for JsonbDatum {
    unsafe fn box_into<'fcx>(
        self,
        fcinfo: &mut pgrx::callconv::FcInfo<'fcx>,
    ) -> pgrx::datum::Datum<'fcx> {
        // SAFETY: returned to the function, as the trait requires.
        unsafe { fcinfo.return_raw_datum(self.0) }
    }
}

unsafe impl SqlTranslatable for JsonbDatum {
    const TYPE_IDENT: &'static str = <JsonB as SqlTranslatable>::TYPE_IDENT;
    const TYPE_ORIGIN: TypeOrigin = <JsonB as SqlTranslatable>::TYPE_ORIGIN;
    const ARGUMENT_SQL: Result<SqlMappingRef, ArgumentError> = Ok(SqlMappingRef::literal("jsonb"));
    const RETURN_SQL: Result<ReturnsRef, ReturnsError> =
        Ok(ReturnsRef::One(SqlMappingRef::literal("jsonb")));
}
