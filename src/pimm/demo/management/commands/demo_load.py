from django.core.management.base import BaseCommand
from django.utils import timezone

from pimm.demo.loader import DEMO_PASSWORD, load_demo
from pimm.oncall.models import Rota
from pimm.registry.models import Platform


class Command(BaseCommand):
    help = "Load the demo PIMM (once) and print the logins of each role."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--scale", type=int, default=1)

    def handle(self, *args, seed: int, scale: int, **options):
        logins = load_demo(seed=seed, scale=scale)
        today = timezone.localdate()
        covered = Rota.objects.filter(
            status=Rota.Status.PUBLISHED, start__lte=today, end__gte=today
        ).exists()
        if Platform.objects.exists() and not covered:
            self.stdout.write(
                self.style.WARNING(
                    "Cette base de démonstration a été chargée un autre jour : aucun tableau de "
                    "garde publié ne couvre aujourd'hui. « make demo-reset » la recharge pour "
                    "aujourd'hui (les modifications faites dans la démo sont perdues)."
                )
            )
        self.stdout.write(f"Comptes de démonstration (mot de passe : {DEMO_PASSWORD})")
        for login in logins:
            self.stdout.write(f"  {login.username:<15} {login.role:<35} {login.detail}")
