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
