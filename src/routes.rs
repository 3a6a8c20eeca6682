//! Routes registered from their handlers' `#[utoipa::path]` annotations:
//! the annotation's path and methods route the handler, so the router and
//! the OpenAPI document have one source and cannot drift.
//!
//! Start-up only reads each annotation's path and methods, which costs
//! nothing. Building the document (every operation, every schema) is left
//! to [`Routes::document`], which runs when `/_mock/openapi.json` is first
//! asked for, so that start-up time and idle memory do not pay for it.

use axum::Router;
use axum::routing::MethodRouter;
use utoipa::openapi::OpenApi;
use utoipa::openapi::path::HttpMethod;
use utoipa_axum::router::UtoipaMethodRouter;

use crate::state::AppState;

/// How to document one path: `utoipa_axum::routes!` over its handlers,
/// called only when the document is built.
pub type Documentation = fn() -> UtoipaMethodRouter<AppState>;

/// The handlers of one path, routed and documented.
pub struct Route {
    pub path: String,
    pub methods: MethodRouter<AppState>,
    pub documentation: Documentation,
}

/// Routes `module::handler`s (all on one path) at the path and methods of
/// their `#[utoipa::path]` annotations. A handler of the current module is
/// written `self::handler`.
#[macro_export]
macro_rules! route {
    ($($module:ident :: $handler:ident),+ $(,)?) => {
        ::paste::paste! {{
            let paths = [$(<$module::[<__path_ $handler>] as ::utoipa::Path>::path()),+];
            assert!(paths.iter().all(|p| *p == paths[0]), "one route!, one path: {paths:?}");
            let mut methods = ::axum::routing::MethodRouter::new();
            $(
                for method in <$module::[<__path_ $handler>] as ::utoipa::Path>::methods() {
                    methods = methods.on($crate::routes::filter(method), $module::$handler);
                }
            )+
            $crate::routes::Route {
                path: paths[0].clone(),
                methods,
                documentation: || ::utoipa_axum::routes!($($module::$handler),+),
            }
        }}
    };
}

/// The axum filter of an OpenAPI method.
pub fn filter(method: HttpMethod) -> axum::routing::MethodFilter {
    use axum::routing::MethodFilter;
    match method {
        HttpMethod::Get => MethodFilter::GET,
        HttpMethod::Put => MethodFilter::PUT,
        HttpMethod::Post => MethodFilter::POST,
        HttpMethod::Delete => MethodFilter::DELETE,
        HttpMethod::Options => MethodFilter::OPTIONS,
        HttpMethod::Head => MethodFilter::HEAD,
        HttpMethod::Patch => MethodFilter::PATCH,
        HttpMethod::Trace => MethodFilter::TRACE,
    }
}

/// A set of routes, each possibly served under several prefixes.
#[derive(Default)]
pub struct Routes {
    routes: Vec<Route>,
}

impl Routes {
    pub fn new() -> Routes {
        Routes::default()
    }

    pub fn route(mut self, route: Route) -> Routes {
        self.routes.push(route);
        self
    }

    pub fn merge(mut self, other: Routes) -> Routes {
        self.routes.extend(other.routes);
        self
    }

    /// The routes of `other` under `prefix` as well as where they are.
    pub fn nest(mut self, prefix: &str, other: &Routes) -> Routes {
        self.routes.extend(other.routes.iter().map(|route| Route {
            path: format!("{prefix}{}", route.path),
            methods: route.methods.clone(),
            documentation: route.documentation,
        }));
        self
    }

    /// The axum router of every route.
    pub fn router(&self) -> Router<AppState> {
        self.routes
            .iter()
            .fold(Router::new(), |router, route| router.route(&route.path, route.methods.clone()))
    }

    /// What [`Routes::document`] needs: each route's path and how to
    /// document it. Small, so it is kept instead of the document.
    pub fn documentation(&self) -> Vec<(String, Documentation)> {
        self.routes.iter().map(|route| (route.path.clone(), route.documentation)).collect()
    }

    /// The OpenAPI document of routes, as the annotations describe them.
    pub fn document(routes: &[(String, Documentation)]) -> OpenApi {
        let mut document = OpenApi::default();
        let components = document.components.get_or_insert_with(Default::default);
        for (path, documentation) in routes {
            let (schemas, paths, _) = documentation();
            components.schemas.extend(schemas);
            for item in paths.paths.into_values() {
                document.paths.paths.insert(path.clone(), item);
            }
        }
        document
    }
}
