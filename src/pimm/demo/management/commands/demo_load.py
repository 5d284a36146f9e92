from django.core.management.base import BaseCommand

from pimm.demo.loader import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Load the demo PIMM (once) and print the logins of each role."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--scale", type=int, default=1)

    def handle(self, *args, seed: int, scale: int, **options):
        logins = load_demo(seed=seed, scale=scale)
        self.stdout.write(f"Comptes de démonstration (mot de passe : {DEMO_PASSWORD})")
        for login in logins:
            self.stdout.write(f"  {login.username:<15} {login.role:<35} {login.detail}")
