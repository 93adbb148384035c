/*
 * 15_training/racy_best.c — four models train at once; each trainer folds its final loss
 * into a shared best_loss as it finishes.
 * Seed 001 (Concurrency and Multithreading: "Machine Learning Models: you might want to
 * train multiple models simultaneously on different cores").
 * Bug: the min-update of best_loss is a read-modify-write done by every trainer without a
 * lock, so a worse loss can overwrite a better one.
 */
#include <pthread.h>
#include <stdio.h>

enum { NMODELS = 4, NPOINTS = 64, EPOCHS = 200 };

struct model {
	double rate;
	double weight, loss;
};

static double xs[NPOINTS], ys[NPOINTS];
static double best_loss = 1e300;

/* Fits y = w * x by gradient descent on the mean squared error. */
static void *train(void *arg)
{
	struct model *m = arg;
	for (int epoch = 0; epoch < EPOCHS; epoch++) {
		double grad = 0, loss = 0;
		for (int i = 0; i < NPOINTS; i++) {
			double err = m->weight * xs[i] - ys[i];
			grad += 2 * err * xs[i] / NPOINTS;
			loss += err * err / NPOINTS;
		}
		m->weight -= m->rate * grad;
		m->loss = loss;
	}
	best_loss = m->loss < best_loss ? m->loss : best_loss; // tsafe-expect: data-race
	return NULL;
}

int main(void)
{
	static const double rates[NMODELS] = {0.001, 0.01, 0.1, 0.5};
	struct model models[NMODELS];
	pthread_t threads[NMODELS];

	for (int i = 0; i < NPOINTS; i++) {
		xs[i] = i / (double)NPOINTS;
		ys[i] = 3 * xs[i] + ((i % 3) - 1) * 0.01;
	}
	for (int i = 0; i < NMODELS; i++) {
		models[i] = (struct model){.rate = rates[i]};
		pthread_create(&threads[i], NULL, train, &models[i]);
	}
	for (int i = 0; i < NMODELS; i++)
		pthread_join(threads[i], NULL);
	printf("best loss %.5f\n", best_loss);
	return 0;
}
