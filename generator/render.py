"""Jinja templates -> HTML. Templates lay out values; they never compute what the model should."""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2

from generator.config import SiteConfig
from generator.pages import Page
from generator.urls import Urls

DEFAULT_THEME = "default"


def theme_dirs(config: SiteConfig, kind: str) -> list[Path]:
    """The configured theme's `kind` folder first, then the default theme's: a theme may
    override the default one template (or static file) at a time."""
    themes = config.root / "themes"
    names = [config.theme] + ([DEFAULT_THEME] if config.theme != DEFAULT_THEME else [])
    return [themes / name / kind for name in names if (themes / name / kind).is_dir()]


def make_environment(config: SiteConfig, site_urls: Urls) -> jinja2.Environment:
    dirs = theme_dirs(config, "templates")
    if not dirs:
        raise FileNotFoundError(f"no templates found for theme {config.theme!r} under {config.root / 'themes'}")
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in dirs]),
        autoescape=True,  # every value is untrusted text unless a template says otherwise
        auto_reload=False,  # templates do not change during a build; checking costs a stat per page
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(site=config, href=site_urls.href, absolute=site_urls.absolute)
    return env


def render_page(env: jinja2.Environment, page: Page, values: Mapping[str, Any]) -> str:
    """`values`: the page's context, completed with what it shows of its papers (writer.Renderer)."""
    template = env.get_template(page.template)
    return template.render(page_path=page.path, **values)
