//! TEMPORARY stub until the filter branch lands.
pub struct Filter;
impl Filter {
    pub fn is_blocked(&self, _s: &str) -> bool {
        false
    }
    pub fn urls(&self) -> bool {
        false
    }
}
#[derive(Debug)]
pub struct FilterError;
impl FilterError {
    pub fn exit_code(&self) -> i32 {
        65
    }
    pub fn stderr_text(&self) -> String {
        String::new()
    }
}
impl Filter {
    pub fn load(_c: &crate::config::FilterConfig) -> Result<Option<Filter>, FilterError> {
        Ok(None)
    }
}
