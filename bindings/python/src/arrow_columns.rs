//! Arrow arrays (from any object with `__arrow_c_stream__`: pyarrow, pandas, polars) as the
//! core's column views, without copying the data where Arrow's layout already fits.

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::{Array, ArrayRef, LargeStringArray, RecordBatch, StringArray, StringViewArray};
use arrow_buffer::{NullBuffer, ScalarBuffer};
use arrow_schema::{DataType, TimeUnit as ArrowUnit};
use kehu::data::time::{numeric_timestamps, NumericTimestamps, TimeUnit};
use kehu::data::{
    ColumnMapping, DataError, IdColumn, IntColumn, MappedField, NumberColumn, TextColumn,
    TimeColumn, TransactionColumns,
};
use std::collections::HashMap;

/// A text column backed by an Arrow string array.
pub enum ArrowText {
    Utf8(StringArray),
    Large(LargeStringArray),
    View(StringViewArray),
}

impl TextColumn for ArrowText {
    fn len(&self) -> usize {
        match self {
            ArrowText::Utf8(a) => a.len(),
            ArrowText::Large(a) => a.len(),
            ArrowText::View(a) => a.len(),
        }
    }

    fn get(&self, row: usize) -> Option<&str> {
        match self {
            ArrowText::Utf8(a) => (!a.is_null(row)).then(|| a.value(row)),
            ArrowText::Large(a) => (!a.is_null(row)).then(|| a.value(row)),
            ArrowText::View(a) => (!a.is_null(row)).then(|| a.value(row)),
        }
    }
}

/// An integer column backed by Arrow `int64` values.
pub struct ArrowInts {
    values: ScalarBuffer<i64>,
    nulls: Option<NullBuffer>,
}

impl IntColumn for ArrowInts {
    fn len(&self) -> usize {
        self.values.len()
    }

    fn get(&self, row: usize) -> Option<i64> {
        match &self.nulls {
            Some(n) if n.is_null(row) => None,
            _ => Some(self.values[row]),
        }
    }
}

/// A number column backed by Arrow `float64` values.
pub struct ArrowFloats {
    values: ScalarBuffer<f64>,
    nulls: Option<NullBuffer>,
}

impl NumberColumn for ArrowFloats {
    fn len(&self) -> usize {
        self.values.len()
    }

    fn get(&self, row: usize) -> Option<f64> {
        match &self.nulls {
            Some(n) if n.is_null(row) => None,
            _ => Some(self.values[row]),
        }
    }
}

fn wrong_type(column: &str, expected: &str, found: &DataType) -> DataError {
    DataError::WrongType {
        column: column.to_string(),
        expected: expected.to_string(),
        found: found.to_string(),
    }
}

fn cast(
    array: &ArrayRef,
    to: &DataType,
    column: &str,
    expected: &str,
) -> Result<ArrayRef, DataError> {
    arrow_cast::cast(array, to).map_err(|_| wrong_type(column, expected, array.data_type()))
}

fn text(array: &ArrayRef, column: &str) -> Result<ArrowText, DataError> {
    Ok(match array.data_type() {
        DataType::Utf8 => ArrowText::Utf8(array.as_string::<i32>().clone()),
        DataType::LargeUtf8 => ArrowText::Large(array.as_string::<i64>().clone()),
        DataType::Utf8View => ArrowText::View(array.as_string_view().clone()),
        _ => {
            let cast = cast(array, &DataType::Utf8, column, "text")?;
            ArrowText::Utf8(cast.as_string::<i32>().clone())
        }
    })
}

fn ints(array: &ArrayRef, column: &str, expected: &str) -> Result<ArrowInts, DataError> {
    let a = cast(array, &DataType::Int64, column, expected)?;
    let a = a.as_primitive::<Int64Type>();
    Ok(ArrowInts {
        values: a.values().clone(),
        nulls: a.nulls().cloned(),
    })
}

fn floats(array: &ArrayRef, column: &str) -> Result<ArrowFloats, DataError> {
    if matches!(
        array.data_type(),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Boolean
    ) {
        return Err(wrong_type(column, "a number", array.data_type()));
    }
    let a = cast(array, &DataType::Float64, column, "a number")?;
    let a = a.as_primitive::<Float64Type>();
    Ok(ArrowFloats {
        values: a.values().clone(),
        nulls: a.nulls().cloned(),
    })
}

/// Float ids as text: NaN is the float columns' missing marker (pandas writes it for a missing
/// value), so it becomes a missing id for validation to report; other values are written as
/// numbers are written as text everywhere else (`1.0` is "1", as an integer id 1 and
/// JavaScript's `String(1.0)`; `2.5` is "2.5").
fn float_ids(array: &ArrayRef, column: &str) -> Result<ArrowText, DataError> {
    let a = cast(array, &DataType::Float64, column, "text or integer ids")?;
    let a = a.as_primitive::<Float64Type>();
    let texts: StringArray = a
        .iter()
        .map(|v| v.and_then(kehu::data::text::number_text))
        .collect();
    Ok(ArrowText::Utf8(texts))
}

/// A column of customer ids as text, converted as the transaction table's ids are (integers
/// and floats as numbers are written, NaN and nulls missing).
pub fn id_texts(array: &ArrayRef, column: &str) -> Result<Vec<Option<String>>, DataError> {
    let t = match array.data_type() {
        t if t.is_integer() => {
            let i = ints(array, column, "text or integer ids")?;
            return Ok((0..i.len())
                .map(|r| i.get(r).map(|v| v.to_string()))
                .collect());
        }
        t if t.is_floating() => float_ids(array, column)?,
        _ => text(array, column)?,
    };
    Ok((0..t.len()).map(|r| t.get(r).map(str::to_string)).collect())
}

enum Id {
    Text(ArrowText),
    Int(ArrowInts),
}

enum Time {
    Text(ArrowText),
    Epoch(ArrowInts, TimeUnit),
    /// Numbers as timestamps, read by the core's one rule for them (`numeric_timestamps`).
    Numbers(NumericTimestamps),
}

/// The transaction columns of a table, owned (Arrow buffers are reference-counted).
pub struct ArrowTransactions {
    id: Id,
    time: Time,
    date_format: Option<String>,
    amount: Option<ArrowFloats>,
    quantity: Option<ArrowFloats>,
    order_id: Option<ArrowText>,
    product_id: Option<ArrowText>,
    category: Option<ArrowText>,
    channel: Option<ArrowText>,
}

impl ArrowTransactions {
    /// Picks the mapped columns (`field -> column name`, read by the core's
    /// [`ColumnMapping`]) out of the batch.
    pub fn new(
        batch: &RecordBatch,
        mapping: &HashMap<String, String>,
        date_format: Option<String>,
    ) -> Result<Self, DataError> {
        let mapping = ColumnMapping::from_pairs(mapping.iter().map(|(f, c)| (f, c.as_str())))?;
        let array = |name: &str| {
            batch
                .column_by_name(name)
                .cloned()
                .ok_or_else(|| DataError::MissingColumn {
                    column: name.to_string(),
                })
        };
        let column = |field: MappedField| -> Result<Option<(&str, ArrayRef)>, DataError> {
            mapping
                .column(field)
                .map(|name| array(name).map(|a| (name, a)))
                .transpose()
        };
        let (id_name, id_array) = (mapping.customer_id.as_str(), array(&mapping.customer_id)?);
        let id = match id_array.data_type() {
            t if t.is_integer() => Id::Int(ints(&id_array, id_name, "text or integer ids")?),
            t if t.is_floating() => Id::Text(float_ids(&id_array, id_name)?),
            _ => Id::Text(text(&id_array, id_name)?),
        };
        let (ts_name, ts_array) = (mapping.timestamp.as_str(), array(&mapping.timestamp)?);
        let time = time_of(ts_name, &ts_array, date_format.as_deref())?;
        let opt_text = |field: MappedField| column(field)?.map(|(n, a)| text(&a, n)).transpose();
        let opt_num = |field: MappedField| column(field)?.map(|(n, a)| floats(&a, n)).transpose();
        Ok(ArrowTransactions {
            id,
            time,
            date_format,
            amount: opt_num(MappedField::Amount)?,
            quantity: opt_num(MappedField::Quantity)?,
            order_id: opt_text(MappedField::OrderId)?,
            product_id: opt_text(MappedField::ProductId)?,
            category: opt_text(MappedField::Category)?,
            channel: opt_text(MappedField::Channel)?,
        })
    }

    /// Borrowed views for the core.
    pub fn columns(&self) -> TransactionColumns<'_> {
        TransactionColumns {
            customer_id: match &self.id {
                Id::Text(t) => IdColumn::Text(t),
                Id::Int(i) => IdColumn::Int(i),
            },
            timestamp: time_column(&self.time, self.date_format.as_deref()),
            amount: self.amount.as_ref().map(|c| c as &dyn NumberColumn),
            order_id: self.order_id.as_ref().map(|c| c as &dyn TextColumn),
            quantity: self.quantity.as_ref().map(|c| c as &dyn NumberColumn),
            product_id: self.product_id.as_ref().map(|c| c as &dyn TextColumn),
            category: self.category.as_ref().map(|c| c as &dyn TextColumn),
            channel: self.channel.as_ref().map(|c| c as &dyn TextColumn),
        }
    }
}

/// A timestamp column by the core's rules: Arrow timestamps and dates by their unit, text with
/// `date_format` (ISO 8601 without one), numbers by the core's rule for numeric timestamps.
fn time_of(
    ts_name: &str,
    ts_array: &ArrayRef,
    date_format: Option<&str>,
) -> Result<Time, DataError> {
    Ok(match ts_array.data_type() {
        DataType::Timestamp(unit, _) => {
            let unit = match unit {
                ArrowUnit::Second => TimeUnit::Seconds,
                ArrowUnit::Millisecond => TimeUnit::Millis,
                ArrowUnit::Microsecond => TimeUnit::Micros,
                ArrowUnit::Nanosecond => TimeUnit::Nanos,
            };
            Time::Epoch(ints(ts_array, ts_name, "a timestamp")?, unit)
        }
        DataType::Date32 => Time::Epoch(ints(ts_array, ts_name, "a date")?, TimeUnit::Days),
        DataType::Date64 => Time::Epoch(ints(ts_array, ts_name, "a date")?, TimeUnit::Millis),
        DataType::Utf8
        | DataType::LargeUtf8
        | DataType::Utf8View
        | DataType::Dictionary(_, _)
        | DataType::Null => Time::Text(text(ts_array, ts_name)?),
        t if t.is_integer() || t.is_floating() => {
            let values = floats(ts_array, ts_name)?;
            Time::Numbers(numeric_timestamps(ts_name, &values, None, date_format)?)
        }
        other => return Err(wrong_type(ts_name, "a timestamp, a date or text", other)),
    })
}

/// One timestamp column of a table, owned (for functions that take times without customers).
pub struct ArrowTimes {
    time: Time,
    date_format: Option<String>,
}

impl ArrowTimes {
    /// The column `name` of the batch.
    pub fn new(
        batch: &RecordBatch,
        name: &str,
        date_format: Option<String>,
    ) -> Result<Self, DataError> {
        let array = batch
            .column_by_name(name)
            .ok_or_else(|| DataError::MissingColumn {
                column: name.to_string(),
            })?;
        Ok(ArrowTimes {
            time: time_of(name, array, date_format.as_deref())?,
            date_format,
        })
    }

    /// The borrowed view for the core.
    pub fn column(&self) -> TimeColumn<'_> {
        time_column(&self.time, self.date_format.as_deref())
    }
}

fn time_column<'a>(time: &'a Time, date_format: Option<&'a str>) -> TimeColumn<'a> {
    match time {
        Time::Text(t) => TimeColumn::Text {
            values: t,
            format: date_format,
        },
        Time::Epoch(v, unit) => TimeColumn::Epoch {
            values: v,
            unit: *unit,
        },
        Time::Numbers(NumericTimestamps::Text(t)) => TimeColumn::Text {
            values: t,
            format: date_format,
        },
        Time::Numbers(NumericTimestamps::Micros(v)) => TimeColumn::Epoch {
            values: v,
            unit: TimeUnit::Micros,
        },
    }
}
