from setuptools import setup, find_packages

setup(
    name="fixture-src-layout",
    version="0.2.0",
    package_dir={"": "src"},
    packages=find_packages("src"),
    install_requires=[],
    entry_points={"console_scripts": ["fixture-src-layout = src_server.cli:main"]},
)
