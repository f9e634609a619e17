//! What the clients ask and are told, and the fixture they ask about.

use std::fmt;

use crate::cluster::Server;
use crate::{Fallible, DATABASE};

pub const PRODUCTS: usize = 8;
pub const WAREHOUSES: usize = 2;
/// Units of every item received before the first cycle; low, so items run
/// out and the load's own receipts restock them.
pub const INITIAL_STOCK: i64 = 10;

/// An inventory row: product in warehouse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Item {
    pub product_id: i64,
    pub warehouse_id: i64,
}

impl fmt::Display for Item {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "p{}/w{}", self.product_id, self.warehouse_id)
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Line {
    pub item: Item,
    pub quantity: i64,
}

impl fmt::Display for Line {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} x {}", self.quantity, self.item)
    }
}

/// Products, warehouses and their stocked items.
pub struct Fixture {
    pub products: Vec<i64>,
    pub warehouses: Vec<i64>,
    pub items: Vec<Item>,
}

/// A database with the extension, its products and warehouses, and
/// INITIAL_STOCK of every item.
pub fn create_fixture(cluster: &dyn Server) -> Fallible<Fixture> {
    let mut admin = cluster.connect("postgres")?;
    admin.batch_execute(&format!("CREATE DATABASE {DATABASE}"))?;
    let mut db = cluster.connect(DATABASE)?;
    db.batch_execute("CREATE EXTENSION wms CASCADE")?;
    let mut add = |sql: &str, code: String| -> Result<i64, postgres::Error> {
        Ok(db.query_one(sql, &[&code, &code])?.get(0))
    };
    let products = (1..=PRODUCTS)
        .map(|n| add("SELECT wms_add_product($1, $2)", format!("CRASH-P{n}")))
        .collect::<Result<Vec<_>, _>>()?;
    let warehouses = (1..=WAREHOUSES)
        .map(|n| add("SELECT wms_add_warehouse($1, $2)", format!("CRASH-W{n}")))
        .collect::<Result<Vec<_>, _>>()?;
    let mut items = Vec::new();
    for &product_id in &products {
        for &warehouse_id in &warehouses {
            db.execute(
                "SELECT wms_receive($1, $2, $3, 'Purchase Order', 'initial stock')",
                &[&product_id, &warehouse_id, &INITIAL_STOCK],
            )?;
            items.push(Item {
                product_id,
                warehouse_id,
            });
        }
    }
    Ok(Fixture {
        products,
        warehouses,
        items,
    })
}

/// One call a client makes.
#[derive(Debug, Clone)]
pub enum Request {
    /// wms_place_order, one-line form.
    PlaceOne(Line),
    /// wms_place_order, items form (lines may name an item twice).
    PlaceItems(Vec<Line>),
    /// wms_submit_order, one-line form: committed by the order worker.
    SubmitOne(Line),
    /// wms_submit_order, items form.
    SubmitItems(Vec<Line>),
    Reserve(Vec<Line>),
    Fulfil(i64),
    Cancel(i64),
    Receive(Line),
    Transfer {
        product_id: i64,
        from: i64,
        to: i64,
        quantity: i64,
    },
}

impl Request {
    /// The status a change of an order's status leads to.
    pub fn target_status(&self) -> Option<&'static str> {
        match self {
            Request::Fulfil(_) => Some("Fulfilled"),
            Request::Cancel(_) => Some("Cancelled"),
            _ => None,
        }
    }

    /// The SQLSTATE of an error this call may answer, changing nothing:
    /// not enough available stock to transfer; a status change that is not
    /// allowed (the clients try one on a settled reservation now and then).
    pub fn refusal(&self) -> Option<&'static str> {
        match self {
            Request::Transfer { .. } => Some("23514"),
            Request::Fulfil(_) | Request::Cancel(_) => Some("55000"),
            _ => None,
        }
    }
}

impl fmt::Display for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Request::PlaceOne(line) => write!(f, "wms_place_order({line})"),
            Request::PlaceItems(lines) => write!(f, "wms_place_order(items {})", list(lines)),
            Request::SubmitOne(line) => write!(f, "wms_submit_order({line})"),
            Request::SubmitItems(lines) => write!(f, "wms_submit_order(items {})", list(lines)),
            Request::Reserve(lines) => write!(f, "wms_reserve({})", list(lines)),
            Request::Fulfil(id) => write!(f, "wms_fulfill_order({id})"),
            Request::Cancel(id) => write!(f, "wms_cancel_order({id})"),
            Request::Receive(line) => write!(f, "wms_receive({line})"),
            Request::Transfer {
                product_id,
                from,
                to,
                quantity,
            } => write!(
                f,
                "wms_transfer({quantity} x p{product_id} from w{from} to w{to})"
            ),
        }
    }
}

pub fn list<T: fmt::Display>(xs: impl IntoIterator<Item = T>) -> String {
    let parts: Vec<String> = xs.into_iter().map(|x| x.to_string()).collect();
    format!("[{}]", parts.join(", "))
}

/// A transfer's ledger rows carry its key in their reason.
pub fn transfer_reason(key: &str) -> String {
    format!("Transfer {key}")
}

/// What a call was told.
#[derive(Debug, Clone)]
pub enum Answer {
    /// An order or reservation, with its status.
    Order {
        order_id: i64,
        status: String,
    },
    Unavailable,
    /// A receipt or transfer went through.
    Applied,
    /// An error the call may answer (its SQLSTATE); it changed nothing.
    Refused(String),
    /// Any other error.
    Unexpected(String),
}

impl fmt::Display for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Answer::Order { order_id, status } => write!(f, "{status} as order {order_id}"),
            Answer::Unavailable => write!(f, "Unavailable"),
            Answer::Applied => write!(f, "applied"),
            Answer::Refused(sqlstate) => write!(f, "refused with {sqlstate}"),
            Answer::Unexpected(error) => write!(f, "error {error}"),
        }
    }
}

/// A call as the client recorded it: the answer is None while it is in
/// doubt, which is for good if the connection broke before the answer.
#[derive(Debug)]
pub struct Call {
    /// Unique per run: `c<cycle>-<client>-<seq>`, the call's idempotency
    /// key, receipt reference or (in the reason) transfer key.
    pub key: String,
    pub request: Request,
    pub answer: Option<Answer>,
}
