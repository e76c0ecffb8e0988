//! Which input column holds each transaction field: one mapping, read the same way by the CSV
//! reader and every binding (field names in `snake_case` or `camelCase`).

use super::DataError;

/// A transaction field an input column can be mapped to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MappedField {
    /// The customer id (required).
    CustomerId,
    /// The timestamp (required).
    Timestamp,
    /// The amount.
    Amount,
    /// The order id.
    OrderId,
    /// The quantity.
    Quantity,
    /// The product id.
    ProductId,
    /// The product category.
    Category,
    /// The sales channel.
    Channel,
}

/// What the values of a mapped field are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// Customer ids: text, or integers written as text.
    Id,
    /// Timestamps: text, dates, or numbers with a unit or format.
    Timestamp,
    /// Numbers (missing values allowed; validation reports them).
    Number,
    /// Labels: text, or numbers written as text.
    Text,
}

impl FieldKind {
    /// The kind's name: `id`, `timestamp`, `number` or `text`.
    pub fn name(self) -> &'static str {
        match self {
            FieldKind::Id => "id",
            FieldKind::Timestamp => "timestamp",
            FieldKind::Number => "number",
            FieldKind::Text => "text",
        }
    }
}

impl MappedField {
    /// Every field, required ones first.
    pub const ALL: [MappedField; 8] = [
        MappedField::CustomerId,
        MappedField::Timestamp,
        MappedField::Amount,
        MappedField::OrderId,
        MappedField::Quantity,
        MappedField::ProductId,
        MappedField::Category,
        MappedField::Channel,
    ];

    /// The field's `snake_case` name (`customer_id`, …), as Python and the reports spell it.
    pub fn name(self) -> &'static str {
        match self {
            MappedField::CustomerId => "customer_id",
            MappedField::Timestamp => "timestamp",
            MappedField::Amount => "amount",
            MappedField::OrderId => "order_id",
            MappedField::Quantity => "quantity",
            MappedField::ProductId => "product_id",
            MappedField::Category => "category",
            MappedField::Channel => "channel",
        }
    }

    /// The field's `camelCase` name (`customerId`, …), as JavaScript spells it.
    pub fn camel_name(self) -> &'static str {
        match self {
            MappedField::CustomerId => "customerId",
            MappedField::OrderId => "orderId",
            MappedField::ProductId => "productId",
            other => other.name(),
        }
    }

    /// The field named `name` in either spelling.
    pub fn from_name(name: &str) -> Option<MappedField> {
        MappedField::ALL
            .into_iter()
            .find(|f| f.name() == name || f.camel_name() == name)
    }

    /// What the field's values are.
    pub fn kind(self) -> FieldKind {
        match self {
            MappedField::CustomerId => FieldKind::Id,
            MappedField::Timestamp => FieldKind::Timestamp,
            MappedField::Amount | MappedField::Quantity => FieldKind::Number,
            _ => FieldKind::Text,
        }
    }

    /// Whether every mapping must name a column for this field.
    pub fn is_required(self) -> bool {
        matches!(self, MappedField::CustomerId | MappedField::Timestamp)
    }
}

/// Which input column holds each field. For CSV, names are header names, or 0-based column
/// numbers (`"0"`, `"1"`, …) for a file without a header.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ColumnMapping {
    /// Customer id column (required).
    pub customer_id: String,
    /// Timestamp column (required).
    pub timestamp: String,
    /// Amount column.
    pub amount: Option<String>,
    /// Order id column.
    pub order_id: Option<String>,
    /// Quantity column.
    pub quantity: Option<String>,
    /// Product id column.
    pub product_id: Option<String>,
    /// Category column.
    pub category: Option<String>,
    /// Channel column.
    pub channel: Option<String>,
}

impl ColumnMapping {
    /// A mapping from `(field, column)` pairs, fields named in either spelling. An unknown field,
    /// a field given twice (in both spellings), an empty column name or a missing required field
    /// is [`DataError::InvalidOption`] naming the field. Pairs are read in the order of their
    /// field names, so the error does not depend on a hash map's order.
    pub fn from_pairs<F, C>(pairs: impl IntoIterator<Item = (F, C)>) -> Result<Self, DataError>
    where
        F: AsRef<str>,
        C: Into<String>,
    {
        let mut pairs: Vec<(F, C)> = pairs.into_iter().collect();
        pairs.sort_by(|a, b| a.0.as_ref().cmp(b.0.as_ref()));
        let mut columns: [Option<String>; 8] = Default::default();
        for (name, column) in pairs {
            let name = name.as_ref();
            let field = MappedField::from_name(name).ok_or_else(|| {
                let known: Vec<&str> = MappedField::ALL.iter().map(|f| f.name()).collect();
                DataError::InvalidOption {
                    option: name.to_string(),
                    reason: format!("not a transaction field; use one of {}", known.join(", ")),
                }
            })?;
            let invalid = |reason: &str| DataError::InvalidOption {
                option: name.to_string(),
                reason: reason.into(),
            };
            let column: String = column.into();
            if column.is_empty() {
                return Err(invalid("the column name is empty"));
            }
            let slot = &mut columns[field as usize];
            if slot.is_some() {
                return Err(invalid("the field is mapped twice"));
            }
            *slot = Some(column);
        }
        let [customer_id, timestamp, amount, order_id, quantity, product_id, category, channel] =
            columns;
        let required = |column: Option<String>, field: MappedField| {
            column.ok_or_else(|| DataError::InvalidOption {
                option: field.name().into(),
                reason: "a column name is required".into(),
            })
        };
        Ok(ColumnMapping {
            customer_id: required(customer_id, MappedField::CustomerId)?,
            timestamp: required(timestamp, MappedField::Timestamp)?,
            amount,
            order_id,
            quantity,
            product_id,
            category,
            channel,
        })
    }

    /// The column mapped to `field`, if any.
    pub fn column(&self, field: MappedField) -> Option<&str> {
        match field {
            MappedField::CustomerId => Some(&self.customer_id),
            MappedField::Timestamp => Some(&self.timestamp),
            MappedField::Amount => self.amount.as_deref(),
            MappedField::OrderId => self.order_id.as_deref(),
            MappedField::Quantity => self.quantity.as_deref(),
            MappedField::ProductId => self.product_id.as_deref(),
            MappedField::Category => self.category.as_deref(),
            MappedField::Channel => self.channel.as_deref(),
        }
    }

    /// The mapped fields and their columns, in [`MappedField::ALL`]'s order.
    pub fn fields(&self) -> Vec<(MappedField, &str)> {
        MappedField::ALL
            .into_iter()
            .filter_map(|f| self.column(f).map(|c| (f, c)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(pairs: &[(&str, &str)]) -> (String, String) {
        match ColumnMapping::from_pairs(pairs.iter().copied()).unwrap_err() {
            DataError::InvalidOption { option, reason } => (option, reason),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn both_spellings_name_the_same_field() {
        let snake = ColumnMapping::from_pairs([
            ("customer_id", "c"),
            ("timestamp", "t"),
            ("order_id", "o"),
        ])
        .unwrap();
        let camel =
            ColumnMapping::from_pairs([("customerId", "c"), ("timestamp", "t"), ("orderId", "o")])
                .unwrap();
        assert_eq!(snake, camel);
        assert_eq!(
            snake.fields(),
            vec![
                (MappedField::CustomerId, "c"),
                (MappedField::Timestamp, "t"),
                (MappedField::OrderId, "o")
            ]
        );
        for f in MappedField::ALL {
            assert_eq!(MappedField::from_name(f.name()), Some(f));
            assert_eq!(MappedField::from_name(f.camel_name()), Some(f));
        }
    }

    #[test]
    fn kinds_follow_the_field() {
        let kinds: Vec<&str> = MappedField::ALL.iter().map(|f| f.kind().name()).collect();
        assert_eq!(
            kinds,
            [
                "id",
                "timestamp",
                "number",
                "text",
                "number",
                "text",
                "text",
                "text"
            ]
        );
    }

    #[test]
    fn bad_mappings_name_the_field() {
        let (option, reason) = err(&[("customer_id", "c"), ("timestamp", "t"), ("amt", "a")]);
        assert_eq!(option, "amt");
        assert!(
            reason.contains("customer_id, timestamp, amount"),
            "{reason}"
        );
        assert_eq!(err(&[("timestamp", "t")]).0, "customer_id");
        assert_eq!(err(&[("customer_id", "c")]).0, "timestamp");
        let twice = err(&[
            ("customer_id", "c"),
            ("customerId", "d"),
            ("timestamp", "t"),
        ]);
        assert_eq!(
            twice,
            ("customer_id".into(), "the field is mapped twice".into())
        );
        let empty = err(&[("customer_id", "c"), ("timestamp", "")]);
        assert_eq!(
            empty,
            ("timestamp".into(), "the column name is empty".into())
        );
    }
}
