//! Prometheus text exposition, shared by the worker's and the API's
//! `/metrics`.

#[derive(Default)]
pub struct Exposition(String);

impl Exposition {
    pub fn metric(&mut self, name: &str, kind: &str, help: &str, value: impl std::fmt::Display) {
        self.0.push_str(&format!(
            "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}\n"
        ));
    }
    pub fn counter(&mut self, name: &str, help: &str, value: impl std::fmt::Display) {
        self.metric(name, "counter", help, value);
    }
    pub fn gauge(&mut self, name: &str, help: &str, value: impl std::fmt::Display) {
        self.metric(name, "gauge", help, value);
    }
    pub fn finish(self) -> String {
        self.0
    }
}
