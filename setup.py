"""The build's one step beyond pyproject.toml: the shipped specs (specs/zoo, specs/seed: the repository's one
copy) go into the wheel as cnncalc/specs/, where `cnncalc analyze zoo:NAME` finds them (cnncalc/zoo.py)."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SHIPPED = ("zoo", "seed")


class BuildWithSpecs(build_py):
    def run(self):
        super().run()
        if self.editable_mode:          # an editable install reads the repository's specs/ in place
            return
        for namespace in SHIPPED:
            target = Path(self.build_lib, "cnncalc", "specs", namespace)
            target.mkdir(parents=True, exist_ok=True)
            for spec in sorted(Path("specs", namespace).glob("*.yaml")):
                shutil.copyfile(spec, target / spec.name)


setup(cmdclass={"build_py": BuildWithSpecs})
