//! A small helper for SQL whose shape depends on the caller (scope, view, cursor):
//! placeholders are numbered as they are pushed, so both engines get exactly the
//! parameters the text names.

#[derive(Debug, Clone)]
pub enum Param {
    Text(String),
    Int(i64),
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
}
