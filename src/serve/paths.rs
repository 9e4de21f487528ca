//! The only files the workbench touches: those inside its scenarios folder and its results
//! folder. Every name that arrives in a request passes through here before it reaches the
//! file system.
//!
//! **Invariant:** a path handed out by [`Folder`] is inside the folder's canonical root after
//! every link is followed. Names are checked twice: as text (no `..`, no absolute path, no
//! backslash), because that is what a mistake or an attack looks like, and after
//! canonicalising, because a link inside the folder may point anywhere.

use crate::error::{Error, Result};
use std::path::{Component, Path, PathBuf};

/// How deep the scenario list looks into sub-folders (`councils/essex.ron` is one level).
const MAX_DEPTH: usize = 4;

/// One folder the workbench may read from and write into.
#[derive(Debug, Clone)]
pub struct Folder {
    /// What the folder holds, for messages: "scenarios" or "results".
    what: &'static str,
    /// The folder as the user named it, for messages and commands they can paste.
    shown: PathBuf,
    /// The folder with every link followed; every path handed out starts with it.
    root: PathBuf,
}

impl Folder {
    /// Opens `path` (creating it when missing, so a first run can save into it).
    pub fn open(what: &'static str, path: &Path) -> Result<Folder> {
        if path.exists() && !path.is_dir() {
            return Err(Error::BadArgument {
                option: format!("--{what}"),
                message: format!("{} is a file, not a folder; give the folder that holds (or is to hold) the {what}", path.display()),
            });
        }
        std::fs::create_dir_all(path).map_err(|source| Error::Output { path: path.to_path_buf(), source })?;
        let root = path.canonicalize().map_err(|source| Error::Output { path: path.to_path_buf(), source })?;
        Ok(Folder { what, shown: path.to_path_buf(), root })
    }

    /// The folder as the user named it.
    pub fn shown(&self) -> &Path {
        &self.shown
    }

    /// The folder with every link followed.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn outside(&self, requested: &str) -> Error {
        Error::OutsideFolder { requested: requested.to_string(), what: self.what, folder: self.shown.clone() }
    }

    /// An existing file or folder inside this folder, named by a relative path with `/`
    /// between its parts (`councils/essex.ron`).
    pub fn existing(&self, relative: &str) -> Result<PathBuf> {
        let joined = self.join_checked(relative)?;
        let real = joined.canonicalize().map_err(|_| Error::NotFound {
            what: if self.what == "scenarios" { "scenario" } else { "file" },
            name: relative.to_string(),
            hint: format!("the {} folder {} has nothing by that name.", self.what, self.shown.display()),
        })?;
        if !real.starts_with(&self.root) {
            return Err(self.outside(relative));
        }
        Ok(real)
    }

    /// A file to create or replace directly in this folder, named `name` (no sub-folders).
    /// A link already there that leads outside is refused; otherwise the path is the
    /// folder's own, so writing through a temporary file and a rename never follows a link.
    pub fn new_child(&self, name: &str) -> Result<PathBuf> {
        let path = self.join_checked(name)?;
        if path.parent() != Some(self.root.as_path()) {
            return Err(Error::BadArgument {
                option: "save_as".into(),
                message: format!("`{name}` names a sub-folder; give a plain file name such as `my_plan`"),
            });
        }
        if let Ok(metadata) = path.symlink_metadata()
            && metadata.file_type().is_symlink()
            && !path.canonicalize().is_ok_and(|real| real.starts_with(&self.root))
        {
            return Err(self.outside(name));
        }
        Ok(path)
    }

    /// `relative` joined to the root after the textual checks.
    fn join_checked(&self, relative: &str) -> Result<PathBuf> {
        if relative.is_empty() || relative.contains(['\\', '\0']) {
            return Err(self.outside(relative));
        }
        let path = Path::new(relative);
        let plain = path.components().all(|c| matches!(c, Component::Normal(_)));
        if !plain {
            // `..`, `/` at the start, `.`: none is needed to name a file inside the folder.
            return Err(self.outside(relative));
        }
        Ok(self.root.join(path))
    }

    /// Every `.ron` file inside the folder and its sub-folders (up to [`MAX_DEPTH`]), as
    /// relative names with `/`, sorted. Hidden files and links leading outside are left out.
    pub fn ron_files(&self) -> Vec<String> {
        let mut found = Vec::new();
        self.walk(&self.root, "", 0, &mut found);
        found.sort();
        found
    }

    fn walk(&self, dir: &Path, prefix: &str, depth: usize, found: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            let relative = format!("{prefix}{name}");
            let Ok(real) = entry.path().canonicalize() else {
                continue;
            };
            if !real.starts_with(&self.root) {
                continue;
            }
            if real.is_dir() {
                if depth + 1 < MAX_DEPTH {
                    self.walk(&real, &format!("{relative}/"), depth + 1, found);
                }
            } else if name.ends_with(".ron") {
                found.push(relative);
            }
        }
    }
}

/// A file name a planner chose for a saved scenario: letters, digits, `_` and `-`, with or
/// without `.ron`. Returns the name with `.ron`.
pub fn scenario_file_name(name: &str, folder: &Folder) -> Result<String> {
    let name = name.trim();
    let stem = name.strip_suffix(".ron").unwrap_or(name);
    if stem.contains(['/', '\\']) || stem.contains("..") {
        return Err(folder.outside(name));
    }
    let fine = !stem.is_empty()
        && stem.len() <= 64
        && stem.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !stem.starts_with('-');
    if !fine {
        return Err(Error::BadArgument {
            option: "save_as".into(),
            message: format!(
                "`{name}` cannot be a scenario file name; use up to 64 letters, digits, `_` and `-` (not first), for example `more_social_workers`"
            ),
        });
    }
    Ok(format!("{stem}.ron"))
}

/// A name the workbench gave a run (its folder inside the results folder): letters, digits,
/// `_` and `-` only, so it can never name anything but that folder.
pub fn run_name_is_plain(name: &str) -> bool {
    !name.is_empty() && name.len() <= 100 && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder() -> (tempfile::TempDir, Folder) {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let root = dir.path().join("scenarios");
        std::fs::create_dir_all(root.join("councils")).expect("create folders");
        std::fs::write(root.join("a.ron"), "()").expect("write");
        std::fs::write(root.join("councils/b.ron"), "()").expect("write");
        std::fs::write(root.join(".hidden.ron"), "()").expect("write");
        std::fs::write(dir.path().join("secret.ron"), "()").expect("write");
        let folder = Folder::open("scenarios", &root).expect("open");
        (dir, folder)
    }

    fn is_outside(result: Result<PathBuf>) -> bool {
        matches!(result, Err(Error::OutsideFolder { .. }))
    }

    #[test]
    fn names_inside_the_folder_resolve_and_escapes_are_refused() {
        let (dir, f) = folder();
        assert_eq!(f.existing("a.ron").unwrap(), f.root().join("a.ron"));
        assert_eq!(f.existing("councils/b.ron").unwrap(), f.root().join("councils/b.ron"));
        for escape in ["../secret.ron", "councils/../../secret.ron", "./a.ron", "", "a\\b.ron"] {
            assert!(is_outside(f.existing(escape)), "{escape:?} was not refused");
        }
        let absolute = dir.path().join("secret.ron");
        assert!(is_outside(f.existing(absolute.to_str().unwrap())));
        assert!(is_outside(f.existing(f.root().join("a.ron").to_str().unwrap())), "absolute paths are refused even inside");
        assert!(matches!(f.existing("missing.ron"), Err(Error::NotFound { .. })));
    }

    #[test]
    fn links_leading_outside_are_refused_and_left_out_of_the_list() {
        let (dir, f) = folder();
        std::os::unix::fs::symlink(dir.path().join("secret.ron"), f.root().join("link.ron")).unwrap();
        std::os::unix::fs::symlink(dir.path(), f.root().join("up")).unwrap();
        std::os::unix::fs::symlink(f.root().join("a.ron"), f.root().join("inner.ron")).unwrap();
        assert!(is_outside(f.existing("link.ron")));
        assert!(is_outside(f.existing("up/secret.ron")));
        assert_eq!(f.existing("inner.ron").unwrap(), f.root().join("a.ron"), "a link staying inside is fine");
        assert!(is_outside(f.new_child("link.ron")), "saving over a link leading out is refused");
        assert_eq!(f.ron_files(), vec!["a.ron", "councils/b.ron", "inner.ron"]);
    }

    #[test]
    fn saved_scenario_names_are_plain_file_names() {
        let (_dir, f) = folder();
        assert_eq!(scenario_file_name("more_staff", &f).unwrap(), "more_staff.ron");
        assert_eq!(scenario_file_name("plan-2.ron", &f).unwrap(), "plan-2.ron");
        for escape in ["../x", "a/b", "/etc/passwd", "..", "a\\b"] {
            assert!(matches!(scenario_file_name(escape, &f), Err(Error::OutsideFolder { .. })), "{escape:?}");
        }
        for bad in ["", "my plan", "-x", ".ron", "x.y", &"a".repeat(65)] {
            assert!(matches!(scenario_file_name(bad, &f), Err(Error::BadArgument { .. })), "{bad:?}");
        }
        assert_eq!(f.new_child("x.ron").unwrap(), f.root().join("x.ron"));
        assert!(is_outside(f.new_child("../x.ron")));
    }

    #[test]
    fn run_names_are_single_plain_parts() {
        assert!(run_name_is_plain("0001-county"));
        for bad in ["", "..", "a/b", "a.b", "%2e%2e"] {
            assert!(!run_name_is_plain(bad), "{bad:?}");
        }
    }
}
