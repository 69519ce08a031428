//! A small helper for SQL whose shape depends on the caller (scope, view, cursor):
//! placeholders are numbered as they are pushed, so both engines get exactly the
//! parameters the text names.

#[derive(Debug, Clone)]
pub enum Param {
    Text(String),
    Int(i64),
    Bool(bool),
    /// Text or SQL NULL.
    OptText(Option<String>),
    Bytes(Vec<u8>),
}

#[derive(Debug, Default)]
pub struct Sql {
    pub text: String,
    pub params: Vec<Param>,
}

impl Sql {
    pub fn new(text: &str) -> Sql {
        Sql {
            text: text.to_string(),
            params: Vec::new(),
        }
    }

    pub fn push(&mut self, text: &str) -> &mut Sql {
        self.text.push_str(text);
        self
    }

    /// Adds a parameter and returns its placeholder (`$n`).
    pub fn param(&mut self, value: Param) -> String {
        self.params.push(value);
        format!("${}", self.params.len())
    }

    pub fn text_param(&mut self, value: &str) -> String {
        self.param(Param::Text(value.to_string()))
    }

    pub fn int_param(&mut self, value: i64) -> String {
        self.param(Param::Int(value))
    }
}

/// Binds every parameter of a [`Sql`] onto a sqlx query, for either engine.
#[macro_export]
macro_rules! bind_all {
    ($query:expr, $params:expr) => {{
        let mut query = $query;
        for param in $params {
            query = match param {
                $crate::sql::Param::Text(value) => query.bind(value.clone()),
                $crate::sql::Param::Int(value) => query.bind(*value),
                $crate::sql::Param::Bool(value) => query.bind(*value),
                $crate::sql::Param::OptText(value) => query.bind(value.clone()),
                $crate::sql::Param::Bytes(value) => query.bind(value.clone()),
            };
        }
        query
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_in_push_order() {
        let mut sql = Sql::new("SELECT 1 WHERE a = ");
        let a = sql.text_param("x");
        let b = sql.int_param(3);
        assert_eq!((a.as_str(), b.as_str()), ("$1", "$2"));
        assert_eq!(sql.params.len(), 2);
    }

    #[cfg(feature = "ssr")]
    #[tokio::test]
    async fn every_kind_of_parameter_binds_on_sqlite() {
        let pool = sqlx::SqlitePool::connect("sqlite::memory:").await.unwrap();
        let params = [
            Param::Text("a".into()),
            Param::Int(7),
            Param::Bool(true),
            Param::OptText(None),
            Param::Bytes(vec![1, 2]),
        ];
        let row: (String, i64, bool, Option<String>, Vec<u8>) =
            crate::bind_all!(sqlx::query_as("SELECT $1, $2, $3, $4, $5"), &params)
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(row, ("a".to_string(), 7, true, None, vec![1, 2]));
    }
}
